// The "model" behind the per-server doubles: a toy fine-tuned Yes/No classifier, a tokenizer good enough to
// count and cut prompts, and the chat templates the servers render. The servers differ in what they do
// around it (validation, limits, template rendering, truncation, answer shapes); those differences live in
// tgi.ts, vllm.ts, llamacpp.ts, ollama.ts and openai.ts, each citing the server source it reproduces.

export interface ChatMessageIn {
  role: string;
  content: string;
}

/** How sure the toy model is that what it sees is vulnerable, from the rendered prompt it was given. */
export type Belief = (visiblePrompt: string) => number;

/** Vulnerable in proportion to the unbounded copies it can see: 0.15 with none, +0.25 per copy, at most 0.95. */
export const countsUnboundedCopies: Belief = (prompt) => {
  const copies = prompt.match(/\b(?:strcpy|strcat|sprintf|gets)\s*\(/g)?.length ?? 0;
  return Math.min(0.95, 0.15 + 0.25 * copies);
};

/** A base model that was never fine-tuned: it starts explaining instead of answering. */
export const chattyBaseModel: Belief = () => Number.NaN;

// Llama-3 vocabulary ids for the tokens the doubles emit (Yes = 9642 is the id issue 11 saw as token_id:9642).
const VOCAB: Record<string, number> = {
  Yes: 9642,
  ' Yes': 7566,
  yes: 9891,
  No: 2822,
  ' No': 2360,
  no: 2201,
  '\n': 198,
  ' ': 220,
  The: 791,
  This: 2028,
  '<|eot_id|>': 128009,
};

export function tokenId(token: string): number {
  const known = VOCAB[token];
  if (known !== undefined) return known;
  let hash = 0;
  for (const ch of token) hash = (hash * 31 + ch.codePointAt(0)!) % 100_000;
  return 100_000 + hash;
}

/** Words, numbers, single punctuation marks and whitespace runs: C code comes out near 3 characters per token. */
export function tokenize(text: string): string[] {
  return text.match(/\w+|[^\w\s]|\s+/g) ?? [];
}

export interface Candidate {
  token: string;
  id: number;
  logprob: number;
}

export interface Step extends Candidate {
  /** Every candidate at this position, most likely first (servers cut it to what was asked). */
  top: Candidate[];
}

export interface Generation {
  /** The generated tokens, end-of-turn excluded. */
  steps: Step[];
  /** The end-of-turn token, when it was generated within max_tokens (some servers list it in logprobs). */
  eos?: Step;
  text: string;
  finish: 'stop' | 'length';
}

const candidate = (token: string, p: number): Candidate => ({
  token,
  id: tokenId(token),
  logprob: Math.log(Math.max(p, 1e-12)),
});

function step(distribution: Array<[string, number]>): Step {
  const top = distribution.map(([token, p]) => candidate(token, p)).sort((a, b) => b.logprob - a.logprob);
  return { ...top[0]!, top };
}

/**
 * Greedy generation (temperature 0) from the toy model. It was fine-tuned on turns rendered as
 * `…### Response:\nYes` / `…<|end_header_id|>\n\nYes`, so:
 * - a prompt that stops at `### Response:` (before the newline its training turns had) makes it emit that
 *   newline first, and the alternatives at that position say nothing about the function: Yes and No share
 *   the little mass left in a fixed 63:37 ratio, whatever the code;
 * - then the answer word, split between Yes-like and No-like tokens by its belief;
 * - then the end-of-turn token (not part of the text).
 */
export function generate(belief: Belief, prompt: string, maxTokens: number): Generation {
  const steps: Step[] = [];
  if (/### Response:$/.test(prompt)) {
    steps.push(
      step([
        ['\n', 0.96],
        ['Yes', 0.63 * 0.03],
        ['No', 0.37 * 0.03],
        [' ', 0.01],
      ]),
    );
  }
  const p = belief(prompt);
  if (Number.isNaN(p)) {
    steps.push(
      step([
        ['The', 0.55],
        ['This', 0.3],
        ['Yes', 0.05],
        ['No', 0.05],
      ]),
    );
    steps.push(step([[' function', 0.9]]), step([[' copies', 0.9]]), step([[' a', 0.9]]));
  } else {
    steps.push(
      step([
        ['Yes', p * 0.9],
        [' Yes', p * 0.06],
        ['yes', p * 0.04],
        ['No', (1 - p) * 0.9],
        [' No', (1 - p) * 0.06],
        ['no', (1 - p) * 0.04],
        ['The', 1e-4],
      ]),
    );
  }
  const emitted = steps.slice(0, maxTokens);
  const stopped = steps.length < maxTokens;
  return {
    steps: emitted,
    ...(stopped ? { eos: step([['<|eot_id|>', 0.99]]) } : {}),
    text: emitted.map((s) => s.token).join(''),
    finish: stopped ? 'stop' : 'length',
  };
}

// Chat templates, as the servers render them (each double says which it uses and why).

/** Meta-Llama-3-8B-Instruct's template (no system block), as transformers renders it. */
export function llama3Template(messages: ChatMessageIn[]): string {
  const turns = messages
    .map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`)
    .join('');
  return `<|begin_of_text|>${turns}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

/**
 * Meta-Llama-3.1-8B-Instruct's template for user turns without tools: it always opens with a system block
 * that carries `Today Date: {date_string}`, where date_string defaults to "26 Jul 2024" unless the renderer
 * passes one (transformers does not; llama.cpp passes today's date, common/chat.cpp).
 */
export function llama31Template(dateString: string) {
  return (messages: ChatMessageIn[]): string => {
    const system = `<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: ${dateString}\n\n<|eot_id|>`;
    const turns = messages
      .map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content.trim()}<|eot_id|>`)
      .join('');
    return `<|begin_of_text|>${system}${turns}<|start_header_id|>assistant<|end_header_id|>\n\n`;
  };
}

const DEEPSEEK_PREAMBLE =
  'You are an AI programming assistant, utilizing the Deepseek Coder model, developed by Deepseek Company, and you only answer questions related to computer science. For politically sensitive questions, security and privacy issues, and other non-computer science questions, you will refuse to answer\n';

/**
 * deepseek-coder-*-instruct's chat template (tokenizer_config.json) for user turns. Rendered by transformers
 * (jinja2 with trim_blocks and lstrip_blocks, utils/chat_template_utils.py) it ends `### Response:\n`; rendered
 * by a Jinja without trim_blocks (TGI's minijinja Environment::new(), router/src/infer/chat_template.rs) the
 * newlines after `{%- endfor %}` and `{% if add_generation_prompt %}` stay. Both outputs were checked by
 * rendering the template with jinja2 3.1.6 / transformers 5.18.
 */
export function deepseekCoderTemplate(trimBlocks: boolean) {
  return (messages: ChatMessageIn[]): string => {
    const gap = trimBlocks ? '' : '\n';
    const turns = messages.map((m) => `### Instruction:\n${m.content}\n`).join('');
    return `<｜begin▁of▁sentence｜>${DEEPSEEK_PREAMBLE}${gap}${turns}${gap}${gap}### Response:\n`;
  };
}

/**
 * A template whose generation prompt stops at `### Response:` while its training turns continue with `\n`
 * (the shape issue 11 reports for DeepSeek-Coder): the model's first generated token is that newline.
 */
export function responseWithoutNewlineTemplate(messages: ChatMessageIn[]): string {
  return `${messages.map((m) => `### Instruction:\n${m.content}\n`).join('')}### Response:`;
}

/** The code inside the last user message's fence (lets a test compute what the model should believe). */
export function fencedCode(messages: ChatMessageIn[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  return /(`{3,})[^\n]*\n([\s\S]*?)\n\1/.exec(user)?.[2] ?? '';
}
