// Extraction throughput (MB/s, functions/s) beside the raw tree-sitter parse rate of the same files, so
// the cost of our own code (decoding, language choice, the definition walk, names, error share,
// selection) shows as a ratio. Target: at most 25% on top of parsing. Notes: bench/extract.md.
//
// Corpus: every distinct C/C++ file that `npm ci` puts under node_modules (grammar parser.c files,
// tree-sitter's runtime sources, node-addon-api headers, …), found at run time so the bench works on a
// fresh CI machine. Files over MAX_FILE_BYTES are left out: the 17 MB tree-sitter-cpp parser.c is one
// giant table that would dominate the run without saying anything new.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { wholeFileChange } from '../src/diff/parse.ts';
import { decodeSource } from '../src/extract/decode.ts';
import { findChangedFunctions } from '../src/extract/index.ts';
import { languageOf } from '../src/extract/language.ts';
import { createParser } from '../src/extract/languages.ts';
import { prepare } from '../src/extract/preprocess.ts';
import type { Lang } from '../src/types.ts';
import { walkFiles } from './files.ts';

const MAX_FILE_BYTES = 8 * 1024 * 1024;
const MIN_CORPUS_BYTES = 5 * 1024 * 1024;
const ROUNDS = 4;
const TABLE_FILE_BYTES = 1_000_000;
const TARGET_OVERHEAD = 0.25;

interface CorpusFile {
  path: string;
  bytes: Uint8Array;
  text: string;
  lang: Lang;
}

function loadCorpus(root: string): { files: CorpusFile[]; left: string[] } {
  const seen = new Set<string>();
  const files: CorpusFile[] = [];
  const left: string[] = [];
  for (const full of walkFiles(join(root, 'node_modules'))) {
    const path = relative(root, full);
    if (languageOf(path) === undefined) continue;
    const size = statSync(full).size;
    if (size > MAX_FILE_BYTES) {
      left.push(`${path} (${(size / 1e6).toFixed(1)} MB)`);
      continue;
    }
    const bytes = new Uint8Array(readFileSync(full));
    const hash = createHash('sha1').update(bytes).digest('hex');
    if (seen.has(hash)) continue;
    seen.add(hash);
    const { text } = decodeSource(bytes);
    files.push({ path, bytes, text, lang: languageOf(path, text)! });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, left };
}

export default async function bench(): Promise<void> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { files, left } = loadCorpus(root);
  const totalBytes = files.reduce((n, f) => n + f.bytes.length, 0);
  const mb = totalBytes / 1e6;
  console.log(`corpus: ${files.length} distinct C/C++ files from node_modules, ${mb.toFixed(2)} MB`);
  for (const f of [...files].sort((a, b) => b.bytes.length - a.bytes.length).slice(0, 5)) {
    console.log(`  ${(f.bytes.length / 1e6).toFixed(2).padStart(6)} MB  ${f.path} (${f.lang})`);
  }
  if (left.length > 0)
    console.log(`  left out (over ${MAX_FILE_BYTES / 1024 / 1024} MiB): ${left.join(', ')}`);
  if (totalBytes < MIN_CORPUS_BYTES) {
    console.log(`corpus under 5 MB: run \`npm ci\` first; figures below are not comparable`);
  }

  const parsers = { c: await createParser('c'), cpp: await createParser('cpp') };
  const parseOnly = (f: CorpusFile) => {
    parsers[f.lang].parse(f.text)?.delete();
  };
  // The preprocessor-aware pass alone (tokens, #if branches, macro rules, the cleaned text), to show
  // what the layer costs within the extraction's overhead.
  const lineStarts = new Map(files.map((f) => [f, starts(f.text)]));
  const preprocessOnly = (f: CorpusFile) => {
    prepare(f.text, f.lang, lineStarts.get(f)!);
  };
  // The stage as the pipeline runs it: bytes in (decoding included), changed functions out, with the
  // whole file marked changed so every function is built and selected.
  const extract = async (f: CorpusFile) => {
    // The reader answers for the file only: the stage also asks for `.clang-format`, which is absent here.
    const result = await findChangedFunctions(
      [wholeFileChange(f.path)],
      async (path) => (path === f.path ? f.bytes : undefined),
      {
        maxFileBytes: MAX_FILE_BYTES,
      },
    );
    return result.functions.length;
  };

  // Warm up both paths (wasm compilation, JIT) on the smaller files.
  for (const f of files.filter((f) => f.bytes.length < 300_000)) {
    parseOnly(f);
    await extract(f);
  }

  // The grammar parser.c files are mostly tables with few functions; the rest is ordinary,
  // function-dense code, where our per-function work weighs most. Report both.
  const subsets: [string, CorpusFile[]][] = [
    ['whole corpus', files],
    [
      `code without the grammar tables (files under ${TABLE_FILE_BYTES / 1e6} MB)`,
      files.filter((f) => f.bytes.length < TABLE_FILE_BYTES),
    ],
  ];
  for (const [label, subset] of subsets) {
    const { parseMs, extractMs, functions } = await measure(subset, parseOnly, extract);
    const prepareMs = best(() => {
      for (const f of subset) preprocessOnly(f);
    });
    const subsetMb = subset.reduce((n, f) => n + f.bytes.length, 0) / 1e6;
    const overhead = extractMs / parseMs - 1;
    console.log(`${label}: ${subset.length} files, ${subsetMb.toFixed(2)} MB, best of ${ROUNDS} rounds`);
    console.log(
      `  tree-sitter parse only : ${(subsetMb / (parseMs / 1000)).toFixed(2)} MB/s (${parseMs.toFixed(0)} ms)`,
    );
    console.log(
      `  extraction (ours)      : ${(subsetMb / (extractMs / 1000)).toFixed(2)} MB/s, ` +
        `${Math.round(functions / (extractMs / 1000))} functions/s (${functions} functions, ${extractMs.toFixed(0)} ms)`,
    );
    console.log(
      `  ratio extraction/parse : ${(extractMs / parseMs).toFixed(3)} → overhead ${(overhead * 100).toFixed(1)}% ` +
        `(target ≤ ${TARGET_OVERHEAD * 100}%: ${overhead <= TARGET_OVERHEAD ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  of which the preprocessor pass: ${prepareMs.toFixed(0)} ms = ${((prepareMs / parseMs) * 100).toFixed(1)}% of parsing`,
    );
  }
}

/** Offsets where each line starts, as extractFunctions computes them. */
function starts(text: string): number[] {
  const out = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) out.push(at + 1);
  return out;
}

/** Best of ROUNDS runs of a synchronous step, in ms. */
function best(step: () => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const t = performance.now();
    step();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

/**
 * Interleaves per file so that machine noise hits both measurements alike, alternates which goes first
 * (the second parse of the same text runs with warmer caches), and keeps the best round of each.
 */
async function measure(
  files: CorpusFile[],
  parseOnly: (f: CorpusFile) => void,
  extract: (f: CorpusFile) => Promise<number>,
): Promise<{ parseMs: number; extractMs: number; functions: number }> {
  let best = { parseMs: Number.POSITIVE_INFINITY, extractMs: Number.POSITIVE_INFINITY, functions: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    let parseMs = 0;
    let extractMs = 0;
    let functions = 0;
    const parseFirst = round % 2 === 0;
    for (const f of files) {
      if (!parseFirst) {
        const t = performance.now();
        functions += await extract(f);
        extractMs += performance.now() - t;
      }
      const t = performance.now();
      parseOnly(f);
      parseMs += performance.now() - t;
      if (parseFirst) {
        const t = performance.now();
        functions += await extract(f);
        extractMs += performance.now() - t;
      }
    }
    best = {
      parseMs: Math.min(best.parseMs, parseMs),
      extractMs: Math.min(best.extractMs, extractMs),
      functions,
    };
  }
  return best;
}
