// Prompts and THE message builder. Inference, evaluation and fine-tuning data all go through
// buildMessages, so a model is asked exactly what it was trained on.
//
// The code under review is untrusted text. It is only ever placed inside a Markdown code fence that is
// longer than any backtick run in the code, so nothing in it (comments included) can close the fence and
// pose as an instruction; and it never goes into the system message.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FunctionInput, VdiscClass } from '../types.ts';
import { ConfigError } from './errors.ts';

export interface PromptSpec {
  /** 'pd-1', 'pd-2', or the template file's id (front-matter `id`, else its file name). */
  id: string;
  system?: string;
  /** Template with `{code}` and optionally `{language}`, `{file}`, `{function}`. */
  user: string;
  /** The model answers `Yes: CWE-120` style; training examples carry the class. */
  cweStyle?: boolean;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

// The seed's Table 2, verbatim. The code follows the instruction, as in the works the seed took them from.
export const PD1: PromptSpec = {
  id: 'pd-1',
  user: 'Is this code vulnerable? Answer in only Yes or No.\n\n{code}',
};

export const PD2: PromptSpec = {
  id: 'pd-2',
  user: 'I want you to act as a vulnerability detection system. Is the following function buggy? Please answer Yes or No.\n\n{code}',
};

const BUILT_IN: Record<string, PromptSpec> = { 'pd-1': PD1, 'pd-2': PD2 };

const PLACEHOLDERS = ['code', 'language', 'file', 'function'] as const;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/** Bumped whenever the rendering of code or placeholders changes, so old cached verdicts stop matching. */
const BUILDER_VERSION = 'v1';

/** 'pd-1' | 'pd-2' (any case) or a path to a template file (format in docs/model.md). */
export function loadPrompt(nameOrFile: string): PromptSpec {
  const builtIn = BUILT_IN[nameOrFile.trim().toLowerCase()];
  if (builtIn) return builtIn;
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `prompt '${nameOrFile}' is neither pd-1, pd-2 nor a readable template file (${(error as Error).message}); set --prompt / the prompt input`,
      { cause: error },
    );
  }
  return parsePromptTemplate(text, nameOrFile);
}

/**
 * Parses a template file: optional front-matter between `---` lines (`id`, `cwe-style`, `system`; a value
 * of `|` starts a block of lines indented by two spaces, as in YAML), then the user template.
 */
export function parsePromptTemplate(text: string, file: string): PromptSpec {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const spec: PromptSpec = { id: basename(file).replace(/\.[^.]*$/, ''), user: '' };
  let bodyStart = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((line, i) => i > 0 && line.trim() === '---');
    if (end < 0) throw new ConfigError(`${file}:1: front-matter opened with '---' is never closed`);
    let i = 1;
    while (i < end) {
      const line = lines[i] ?? '';
      const lineNo = i + 1;
      i++;
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (!match)
        throw new ConfigError(`${file}:${lineNo}: expected 'key: value' in front-matter, got '${line}'`);
      const key = match[1]!;
      let value = match[2]!.trim();
      if (value === '|') {
        const block: string[] = [];
        while (i < end && (lines[i]!.startsWith('  ') || lines[i]!.trim() === '')) {
          block.push(lines[i]!.slice(2));
          i++;
        }
        value = block.join('\n').trim();
      }
      if (key === 'id') spec.id = value;
      else if (key === 'system') spec.system = value;
      else if (key === 'cwe-style') {
        if (value !== 'true' && value !== 'false') {
          throw new ConfigError(`${file}:${lineNo}: cwe-style must be true or false, got '${value}'`);
        }
        spec.cweStyle = value === 'true';
      } else {
        throw new ConfigError(
          `${file}:${lineNo}: unknown front-matter key '${key}' (known: id, system, cwe-style)`,
        );
      }
    }
    bodyStart = end + 1;
  }
  spec.user = lines.slice(bodyStart).join('\n').trim();
  validateTemplate(spec.user, file);
  if (spec.system !== undefined) {
    for (const [, name] of spec.system.matchAll(PLACEHOLDER)) {
      if ((PLACEHOLDERS as readonly string[]).includes(name!)) {
        throw new ConfigError(
          `${file}: the system message may not contain {${name}}: code and its names are data and go in the user template only`,
        );
      }
    }
  }
  return spec;
}

function validateTemplate(user: string, file: string): void {
  let codeCount = 0;
  for (const [, name] of user.matchAll(PLACEHOLDER)) {
    if (name === 'code') codeCount++;
    else if (!(PLACEHOLDERS as readonly string[]).includes(name!)) {
      throw new ConfigError(
        `${file}: unknown placeholder {${name}} (known: {code}, {language}, {file}, {function})`,
      );
    }
  }
  if (codeCount !== 1) {
    throw new ConfigError(`${file}: the user template must contain {code} exactly once (found ${codeCount})`);
  }
}

/** The code as a fenced block whose fence is longer than any backtick run inside it. */
export function fenceCode(source: string, lang: FunctionInput['lang']): string {
  const longestRun = Math.max(0, ...Array.from(source.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  const body = source.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  return `${fence}${lang}\n${body}\n${fence}`;
}

// File and function names come from the pull request too: kept to one plain line so they cannot open a
// new paragraph of "instructions" or a fence of their own.
function inlineName(value: string | undefined): string {
  if (!value) return 'unknown';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  const flat = value.replace(/[\u0000-\u001f\u007f`]+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat || 'unknown';
}

/** THE one builder of chat messages: inference, evaluation and fine-tuning data. */
export function buildMessages(prompt: PromptSpec, fn: FunctionInput): ChatMessage[] {
  const values: Record<(typeof PLACEHOLDERS)[number], string> = {
    code: fenceCode(fn.source, fn.lang),
    language: fn.lang === 'cpp' ? 'C++' : 'C',
    file: inlineName(fn.file),
    function: inlineName(fn.name),
  };
  // One pass over the template only: text inserted for a placeholder is never scanned again, so code that
  // contains "{file}" stays as written.
  const user = prompt.user.replace(PLACEHOLDER, (whole, name: string) =>
    name in values ? values[name as keyof typeof values] : whole,
  );
  const messages: ChatMessage[] = [];
  if (prompt.system) messages.push({ role: 'system', content: prompt.system });
  messages.push({ role: 'user', content: user });
  return messages;
}

/** The answer a fine-tuned model should give: 'Yes' / 'No', or 'Yes: CWE-120' for CWE-style prompts. */
export function expectedAnswer(prompt: PromptSpec, label: boolean, cwe?: VdiscClass): string {
  if (!label) return 'No';
  // Without a known class, a CWE-style example still says only 'Yes' rather than inventing one.
  return prompt.cweStyle && cwe ? `Yes: ${cwe}` : 'Yes';
}

export function buildTrainingExample(
  prompt: PromptSpec,
  fn: FunctionInput,
  label: boolean,
  cwe?: VdiscClass,
): { messages: ChatMessage[] } {
  return {
    messages: [
      ...buildMessages(prompt, fn),
      { role: 'assistant', content: expectedAnswer(prompt, label, cwe) },
    ],
  };
}

/** Short stable hash of what shapes the question: system message, user template, answer style, builder. */
export function promptHash(prompt: PromptSpec): string {
  const material = JSON.stringify([
    BUILDER_VERSION,
    prompt.system ?? '',
    prompt.user,
    prompt.cweStyle === true,
  ]);
  return createHash('sha256').update(material).digest('hex').slice(0, 12);
}
