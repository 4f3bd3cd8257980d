// Throughput of the rules backend before and after it reuses the extraction's syntax tree, in one run:
// functions per CPU-second when it parses each function on its own ("alone": parse + copy + checks) and
// when it checks the copy extraction kept ("reused": rebuild + checks), the same for extraction plus rules
// together (what a scan pays), where the time goes, and whether both ways give identical verdicts.
// Notes: bench/rules.md.
//
// Data: ../shared/data/juliet-01.jsonl and sven-train.jsonl (each sample's source treated as a file, so
// extraction finds its function as a scan would), and the C/C++ code under node_modules (always present).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeSource } from '../src/extract/decode.ts';
import { extractFunctions, type FunctionDef } from '../src/extract/functions.ts';
import { languageOf } from '../src/extract/language.ts';
import { createParser } from '../src/extract/languages.ts';
import { checkTree, RulesEngine } from '../src/model/rules/engine.ts';
import { createRulesBackend } from '../src/model/rules/index.ts';
import { type SyntaxNode, syntaxTree } from '../src/model/rules/tree.ts';
import type { FunctionSyntax, Lang } from '../src/types.ts';
import { walkFiles } from './files.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(root, '..', 'shared', 'data');
const DATASETS = ['juliet-01.jsonl', 'sven-train.jsonl'];
/** The grammar parser.c files are tables with few functions; they would only slow the run. */
const MAX_FILE_BYTES = 1_000_000;
const ROUNDS = 2;

interface Input {
  name: string;
  /** Texts extraction reads: whole files, or one data-set sample each. */
  files: { path: string; text: string; lang: Lang }[];
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of `work`, the least over ROUNDS runs (other load on the machine only ever adds). */
async function measure(work: () => Promise<void> | void): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const started = cpuSeconds();
    await work();
    best = Math.min(best, cpuSeconds() - started);
  }
  return best;
}

function nodeModulesCode(): Input {
  const seen = new Set<string>();
  const files: Input['files'] = [];
  for (const path of walkFiles(join(root, 'node_modules'))) {
    if (languageOf(path) === undefined || statSync(path).size > MAX_FILE_BYTES) continue;
    const bytes = new Uint8Array(readFileSync(path));
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    const { text } = decodeSource(bytes);
    files.push({ path, text, lang: languageOf(path, text)! });
  }
  return { name: 'node_modules C/C++ code', files };
}

function dataset(name: string): Input {
  const files = readFileSync(resolve(dataDir, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; source: string; lang: Lang })
    .map((s) => ({ path: s.id, text: s.source, lang: s.lang }));
  return { name, files };
}

const perSecond = (n: number, seconds: number): string => Math.round(n / seconds).toLocaleString('en-US');
const share = (part: number, whole: number): string => `${Math.round((100 * part) / whole)}%`;

async function benchInput(input: Input, engine: RulesEngine): Promise<void> {
  // The functions both ways judge: those extraction finds, with the syntax it keeps.
  const functions: FunctionDef[] = [];
  for (const f of input.files)
    functions.push(...(await extractFunctions(f.text, f.lang, f.path, { keepSyntax: () => true })).functions);
  const n = functions.length;
  const chars = functions.reduce((sum, fn) => sum + fn.source.length, 0);
  const nodes = functions.reduce((sum, fn) => sum + (fn.syntax?.types.length ?? 0), 0);

  const extractPlain = await measure(async () => {
    for (const f of input.files) await extractFunctions(f.text, f.lang, f.path);
  });
  const extractKeeping = await measure(async () => {
    for (const f of input.files) await extractFunctions(f.text, f.lang, f.path, { keepSyntax: () => true });
  });
  const alone = await measure(async () => {
    for (const fn of functions) await engine.run(fn.source, fn.lang);
  });
  const reused = await measure(async () => {
    for (const fn of functions) await engine.run(fn.source, fn.lang, fn.syntax);
  });

  // Where "alone" goes: tree-sitter's parse, the copy out of WebAssembly, the rebuild in JS, the checks.
  const parsers = new Map<Lang, Awaited<ReturnType<typeof createParser>>>();
  for (const lang of ['c', 'cpp'] as const) parsers.set(lang, await createParser(lang));
  const parse = await measure(() => {
    for (const fn of functions) parsers.get(fn.lang)!.parse(fn.source)?.delete();
  });
  const parseAndCopy = await measure(async () => {
    for (const fn of functions) await engine.parse(fn.source, fn.lang);
  });
  for (const parser of parsers.values()) parser.delete();
  const copies: FunctionSyntax[] = [];
  for (const fn of functions) copies.push(await engine.parse(fn.source, fn.lang));
  const rebuild = await measure(() => {
    for (const copy of copies) syntaxTree(copy);
  });
  const trees: SyntaxNode[] = copies.map(syntaxTree);
  const check = await measure(() => {
    for (const tree of trees) checkTree(tree);
  });

  // Same verdicts both ways, compared whole (hits, lines, reasons).
  const backend = await createRulesBackend();
  let identical = 0;
  for (const fn of functions) {
    const input = { source: fn.source, lang: fn.lang };
    const a = await backend.analyse(input);
    const b = await backend.analyse({ ...input, syntax: fn.syntax });
    if (JSON.stringify(a) === JSON.stringify(b)) identical++;
  }
  await backend.close?.();

  const other = Math.max(0, alone - parseAndCopy - rebuild - check);
  console.log(
    `\n${input.name}: ${input.files.length.toLocaleString('en-US')} texts, ${n.toLocaleString('en-US')} functions ` +
      `(${(chars / 1e6).toFixed(2)} M characters, ${nodes.toLocaleString('en-US')} nodes kept)`,
  );
  console.log('| functions per CPU-second | alone (before) | reused (after) | after ÷ before |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| rules backend | ${perSecond(n, alone)} | ${perSecond(n, reused)} | ${(alone / reused).toFixed(2)}× |`,
  );
  console.log(
    `| extraction + rules | ${perSecond(n, extractPlain + alone)} | ${perSecond(n, extractKeeping + reused)} | ${((extractPlain + alone) / (extractKeeping + reused)).toFixed(2)}× |`,
  );
  console.log(
    `split of "alone" (${(alone * 1000).toFixed(0)} ms CPU): parse ${share(parse, alone)}, copy ${share(parseAndCopy - parse, alone)}, ` +
      `rebuild ${share(rebuild, alone)}, checks ${share(check, alone)}, other ${share(other, alone)}`,
  );
  const ms = (seconds: number): string => ((1e6 * seconds) / n).toFixed(0);
  console.log(
    `CPU ms per 1,000 functions: parse ${ms(parse)}, copy ${ms(parseAndCopy - parse)}, rebuild ${ms(rebuild)}, ` +
      `checks ${ms(check)}; extraction ${ms(extractPlain)}, keeping the copies ${ms(extractKeeping)} ` +
      `(+${ms(extractKeeping - extractPlain)})`,
  );
  console.log(
    `kept copies: ${((nodes * 16) / chars).toFixed(1)} bytes per source character; identical verdicts both ways: ${identical} of ${n}`,
  );
}

export default async function rulesThroughput(): Promise<void> {
  const inputs: Input[] = [];
  for (const name of DATASETS) {
    if (existsSync(resolve(dataDir, name))) inputs.push(dataset(name));
    else console.log(`${name}: absent at ../shared/data (looked in ${dataDir}), skipped`);
  }
  inputs.push(nodeModulesCode());
  console.log(`CPU seconds: the least of ${ROUNDS} runs of each phase`);
  const engine = new RulesEngine();
  try {
    for (const input of inputs) await benchInput(input, engine);
  } finally {
    await engine.close();
  }
}
