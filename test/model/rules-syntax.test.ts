// The rules backend on the extraction's own syntax tree: extraction keeps a flat copy of each changed
// function's subtree (ChangedFunction.syntax) when the backend reads syntax, and the rules check that
// instead of parsing the function again. Same answers either way, on every fixture of the repository.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSource, extractFunctions, findChangedFunctions, languageOf } from '../../src/extract/index.ts';
import { prepare } from '../../src/extract/preprocess.ts';
import { verdictCacheKey } from '../../src/model/analyse.ts';
import type { Backend } from '../../src/model/backend.ts';
import { createRulesBackend } from '../../src/model/rules/index.ts';
import { runPipeline } from '../../src/pipeline.ts';
import type { FileChange, FunctionInput, Verdict } from '../../src/types.ts';

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');

let backend: Backend;
beforeAll(async () => {
  backend = await createRulesBackend();
});
afterAll(async () => {
  await backend.close?.();
});

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (languageOf(path) !== undefined) yield path;
  }
}

/** Offsets where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

const change = (path: string, addedLines: number[]): FileChange => ({
  path,
  status: 'modified',
  addedLines,
  deletionPoints: [],
  wholeFile: false,
  hunks: [{ newStart: 1, newLines: 40 }],
});

describe('the rules on the extraction’s syntax tree', () => {
  it('answer exactly as on a parse of the same text alone, for every function in the fixtures', async () => {
    let functions = 0;
    let flagged = 0;
    let withoutSyntax = 0;
    let blankedInside = 0;
    for (const path of sourceFiles(testdata)) {
      const { text } = decodeSource(new Uint8Array(readFileSync(path)));
      const lang = languageOf(path, text)!;
      const { functions: found } = await extractFunctions(text, lang, path, { keepSyntax: () => true });
      const parsedText = prepare(text, lang, lineStarts(text)).text;
      for (const fn of found) {
        // A definition whose source is not exactly its syntax's (cut short at a missing brace, or run on
        // to the end of an #if group) carries none: the backend parses its source alone. So does one with
        // something blanked inside before parsing (macros, a set-aside #if branch): the backend would see
        // other code than the source.
        if (!fn.syntax) {
          const from = text.indexOf(fn.source, lineStarts(text)[fn.start - 1]);
          if (parsedText.slice(from, from + fn.source.length) !== fn.source) blankedInside++;
          else withoutSyntax++;
          continue;
        }
        // the text the tree was parsed from: the source itself, or (with macros blanked before parsing)
        // the same lines and columns
        const parsed = fn.syntax!.text;
        expect(parsed, `${path}:${fn.start}`).toBe(fn.source);
        const input = { source: fn.source, lang: fn.lang, name: fn.name, file: fn.file };
        const alone = await backend.analyse({ ...input, source: parsed });
        const reused = await backend.analyse({ ...input, syntax: fn.syntax });
        expect(reused, `${path}:${fn.start} ${fn.name}`).toEqual(alone);
        functions++;
        if (alone.vulnerable) flagged++;
      }
    }
    // the comparison means something only if it covered real functions and real findings
    expect(functions).toBeGreaterThan(100);
    expect(flagged).toBeGreaterThan(20);
    expect(withoutSyntax).toBeLessThan(functions / 20);
    // the fixtures do blank macros inside some functions: those were parsed alone
    expect(blankedInside).toBeGreaterThan(5);
  });

  it('reads the syntax it is given rather than parsing the source again', async () => {
    const flawed = 'void f(char *s)\n{\n    char buf[8];\n    strcpy(buf, getenv("HOME"));\n}\n';
    const { functions } = await extractFunctions(flawed, 'c', 'f.c', { keepSyntax: () => true });
    const syntax = functions[0]!.syntax!;
    // the source says nothing is wrong; only the tree carries the flaw
    const verdict = await backend.analyse({ source: 'void f(void) {}\n', lang: 'c', syntax });
    expect(verdict).toMatchObject({ vulnerable: true, rawAnswer: 'unbounded-copy', line: 4 });
  });

  it('keeps no syntax where macros were blanked inside, so the rules judge the code as written', async () => {
    // `ALLOCA(10)` reads as a macro to set aside for the parse of the file; the rules must still see the
    // stack allocation that `free` then releases, as a parse of the source alone shows it
    const text =
      'void f(void)\n{\n    int *data = NULL;\n    data = (int *)ALLOCA(10);\n    data[0] = 1;\n    free(data);\n}\n';
    expect(prepare(text, 'c', lineStarts(text)).text).not.toContain('ALLOCA');
    const { functions } = await extractFunctions(text, 'c', 'f.c', { keepSyntax: () => true });
    expect(functions[0]!.syntax).toBeUndefined();
    const alone = await backend.analyse({ source: functions[0]!.source, lang: 'c' });
    expect(alone.rawAnswer).toBe('free-non-heap');
    const readFile = async () => new TextEncoder().encode(text);
    const { findings } = await runPipeline({ changes: [change('f.c', [4])], readFile, backend });
    expect(findings.map((f) => f.ruleId)).toEqual(['vulnreview/CWE-other']);
    expect(findings[0]!.verdict).toEqual(alone);
  });

  it('parses on its own where the extraction found a macro-named block rather than a definition', async () => {
    // `TEST(Suite, Case) { … }` reads as a call and a block; the engine parses it with a return type put
    // in front, as it does for such a function without extraction
    const text = 'TEST(Parser, Copies)\n{\n    char buf[4];\n    strcpy(buf, "far too long");\n}\n';
    const { functions } = await extractFunctions(text, 'cpp', 'parser_test.cc', { keepSyntax: () => true });
    expect(functions.map((f) => f.name)).toEqual(['TEST(Parser, Copies)']);
    const fn = functions[0]!;
    const reused = await backend.analyse({ source: fn.source, lang: 'cpp', syntax: fn.syntax });
    const alone = await backend.analyse({ source: fn.source, lang: 'cpp' });
    expect(reused).toEqual(alone);
    expect(reused.rawAnswer).toBe('copy-exceeds-destination');
  });

  it('keeps the syntax of the functions a change touched, and of no other', async () => {
    const text = readFileSync(join(testdata, 'extract', 'forms.c'), 'utf8');
    const all = (await extractFunctions(text, 'c', 'forms.c')).functions;
    const target = all.find((fn) => fn.end > fn.start + 2)!;
    expect(all.length).toBeGreaterThan(3);
    const files: Record<string, string> = { 'forms.c': text };
    const readFile = async (path: string) => new TextEncoder().encode(files[path]);
    const changes = [change('forms.c', [target.start + 1])];
    const kept = await findChangedFunctions(changes, readFile, { keepSyntax: true });
    expect(kept.functions.map((f) => f.name)).toEqual([target.name]);
    expect(kept.functions[0]!.syntax?.text.length).toBe(target.source.length);
    const without = await findChangedFunctions(changes, readFile);
    expect(without.functions[0]!.syntax).toBeUndefined();
    // and the plain-data shape of the functions is otherwise the same
    const { syntax: _syntax, ...rest } = kept.functions[0]!;
    expect(rest).toEqual(without.functions[0]);
  });

  it('leaves a definition cut short at a missing brace to be parsed alone, never with what it swallowed', async () => {
    const text =
      'class A {\n public:\n  void f() {\n    if (x) {\n      y();\n  }\n\n  void g() { y(); }\n};\n';
    const { functions } = await extractFunctions(text, 'cpp', 'a.cpp', { keepSyntax: () => true });
    const byName = Object.fromEntries(functions.map((fn) => [fn.name, fn]));
    // f's tree runs to the end of the class; its source stops where g begins
    expect(byName['A::f']).toMatchObject({ start: 3, end: 6 });
    expect(byName['A::f']!.syntax).toBeUndefined();
    expect(byName['A::g']!.syntax?.text).toBe(byName['A::g']!.source);
  });

  it('never lets the syntax into the verdict cache key', async () => {
    const { functions } = await extractFunctions('int f(int x)\n{\n    return x;\n}\n', 'c', 'f.c', {
      keepSyntax: () => true,
    });
    const fn = functions[0]!;
    const input: FunctionInput = { source: fn.source, lang: 'c' };
    expect(verdictCacheKey(backend, { ...input, syntax: fn.syntax })).toBe(verdictCacheKey(backend, input));
  });

  it('reaches the backend through the pipeline when the backend reads syntax, and only then', async () => {
    const source = 'void f(char *s)\n{\n    char buf[8];\n    strcpy(buf, getenv("HOME"));\n}\n';
    const readFile = async () => new TextEncoder().encode(source);
    const seen: boolean[] = [];
    // the real rules backend, recording what each question carried
    const recording = (usesSyntax: boolean): Backend => ({
      ...backend,
      usesSyntax,
      analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict> {
        seen.push(fn.syntax !== undefined);
        return backend.analyse(fn, signal);
      },
    });
    const changes = [change('a.c', [4])];
    const reused = await runPipeline({ changes, readFile, backend: recording(true) });
    const alone = await runPipeline({ changes, readFile, backend: recording(false) });
    expect(seen).toEqual([true, false]);
    expect(reused.findings.map((f) => [f.ruleId, f.line, f.fingerprint])).toEqual(
      alone.findings.map((f) => [f.ruleId, f.line, f.fingerprint]),
    );
    expect(reused.findings).toHaveLength(1);
  });
});
