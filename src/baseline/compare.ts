// The delta stage: after the changed functions got their verdicts, find each one's base version, ask the
// same backend about it (same prompt, same verdict cache, what is left of the time budget), and give every
// finding its baseline state; collect what the change fixed. Its only I/O is the base file reader it is
// given, so each mode (git, GitHub API, reversed patch) plugs its own in.
import pLimit from 'p-limit';
import { decodeSource, isBinary } from '../extract/decode.ts';
import { extractFunctions, type FunctionDef } from '../extract/functions.ts';
import { languageOf } from '../extract/language.ts';
import type { MacroConfig } from '../extract/macros.ts';
import { type AnalyseOptions, type AnalyseOutcome, analyseAll } from '../model/analyse.ts';
import type { Backend } from '../model/backend.ts';
import type { Analysis, ChangedFunction, FileChange, Finding } from '../types.ts';
import { type BaseMatch, basePathOf, matchBaseFunctions, moveCandidates, moveSources } from './match.ts';
import { fixedOf, type Side, sideOf, stateOf } from './states.ts';
import { type BaseFileReader, type BaselineReport, DEFAULT_MARGIN, type FixedFinding } from './types.ts';

const READ_CONCURRENCY = 8;
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface CompareInput {
  changes: readonly FileChange[];
  /** The changed functions' outcomes (verdict or skip), as the pipeline made them. */
  analyses: readonly Analysis[];
  /** Their findings, in report order. */
  findings: readonly Finding[];
  backend: Backend;
  readBaseFile: BaseFileReader;
  margin?: number;
  /** Concurrency, cache and signal as for the changed functions; `budgetMs` is what is left of the budget. */
  analyse?: AnalyseOptions;
  maxFileBytes?: number;
  /** The project macros the head side was extracted with: the base side is extracted the same way. */
  macros?: MacroConfig;
}

export interface CompareResult {
  /** The same findings in the same order, each with its baseline state. */
  findings: Finding[];
  report: BaselineReport;
}

/** A base file's functions, or why there are none to compare with. */
type BaseFile = { functions: FunctionDef[] } | { absent: true } | { unknown: string };

async function loadBaseFile(
  read: BaseFileReader,
  path: string,
  maxBytes: number,
  macros: MacroConfig | undefined,
): Promise<BaseFile> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await read(path);
  } catch (error) {
    return { unknown: error instanceof Error ? error.message : String(error) };
  }
  if (bytes === undefined) return { absent: true };
  if (bytes.length > maxBytes) return { unknown: `${path} at the base is over the file size limit` };
  if (isBinary(bytes)) return { unknown: `${path} at the base is binary` };
  try {
    const { text } = decodeSource(bytes);
    const lang = languageOf(path, text);
    if (!lang) return { unknown: `${path} at the base is not C or C++` };
    return { functions: (await extractFunctions(text, lang, path, macros ? { macros } : {})).functions };
  } catch (error) {
    return { unknown: `extracting the functions of ${path} at the base failed (${String(error)})` };
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export async function compareWithBase(input: CompareInput): Promise<CompareResult> {
  const margin = input.margin ?? DEFAULT_MARGIN;
  const maxBytes = input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const changeOf = new Map(input.changes.map((c) => [c.path, c]));
  // Only functions with a yes/no verdict can be compared; the rest are already counted as unanalysed.
  const judged = input.analyses.flatMap((a) =>
    'verdict' in a && a.verdict.vulnerable !== null ? [{ fn: a.fn, verdict: a.verdict }] : [],
  );

  const files = new Map<string, BaseFile>();
  const limit = pLimit(READ_CONCURRENCY);
  const load = (paths: Iterable<string>) =>
    Promise.all(
      [...new Set(paths)]
        .filter((p) => !files.has(p))
        .map((p) =>
          limit(async () => {
            files.set(p, await loadBaseFile(input.readBaseFile, p, maxBytes, input.macros));
          }),
        ),
    );
  const ownPath = (fn: ChangedFunction) => {
    const change = changeOf.get(fn.file);
    return change ? basePathOf(change) : undefined;
  };
  await load(judged.flatMap(({ fn }) => ownPath(fn) ?? []));
  const functionsOf = () =>
    new Map([...files].flatMap(([path, f]) => ('functions' in f ? [[path, f.functions] as const] : [])));

  let matches = matchBaseFunctions(
    judged.map((j) => j.fn),
    input.changes,
    functionsOf(),
  );
  // A function with no base version in its own file may have moved from another file of the change.
  const unmatched = judged.filter(
    ({ fn }) => !matches.has(fn) && !('unknown' in (files.get(ownPath(fn) ?? '') ?? {})),
  );
  const candidates = moveCandidates(input.changes);
  const sources = unmatched.flatMap(({ fn }) => moveSources(fn.name, changeOf.get(fn.file), candidates));
  if (sources.length > 0) {
    await load(sources.map((c) => basePathOf(c)!));
    matches = matchBaseFunctions(
      judged.map((j) => j.fn),
      input.changes,
      functionsOf(),
    );
  }

  // Base versions of functions with findings first: they decide states and the gate when the budget is short.
  const strongest = new Map<ChangedFunction, number>();
  for (const f of input.findings)
    strongest.set(f.fn, Math.max(strongest.get(f.fn) ?? 0, f.verdict.confidence));
  const pairs = judged
    .flatMap((j) => {
      const match = matches.get(j.fn);
      return match ? [{ ...j, match }] : [];
    })
    .sort((a, b) => (strongest.get(b.fn) ?? -1) - (strongest.get(a.fn) ?? -1));
  const outcomes = await askBase(
    pairs.map((p) => p.match),
    input.backend,
    input.analyse ?? {},
  );

  const sides = new Map<ChangedFunction, { head: Side; base: Side }>();
  const notes: string[] = [];
  const unknownBy = new Map<string, number>();
  const noteUnknown = (why: string) => unknownBy.set(why, (unknownBy.get(why) ?? 0) + 1);
  let baseRequests = 0;
  let baseCached = 0;
  pairs.forEach((pair, i) => {
    const outcome = outcomes[i]!;
    if ('skipped' in outcome) {
      if (outcome.skipped.reason === 'backend-error') baseRequests++;
      noteUnknown(
        outcome.skipped.reason === 'budget-exhausted' ? 'budget' : `no verdict (${outcome.skipped.reason})`,
      );
      return;
    }
    if (outcome.verdict.cached) baseCached++;
    else baseRequests++;
    if (outcome.verdict.vulnerable === null) {
      noteUnknown('no verdict (unclassified answer)');
      return;
    }
    sides.set(pair.fn, {
      head: sideOf(pair.fn, pair.verdict),
      base: sideOf(pair.match.base, outcome.verdict),
    });
  });
  let added = 0;
  for (const { fn } of judged) {
    if (matches.has(fn)) continue;
    const file = files.get(ownPath(fn) ?? '');
    if (file && 'unknown' in file) noteUnknown(`unreadable base file (${file.unknown})`);
    else added++;
  }

  const states = { new: 0, unchanged: 0, updated: 0 };
  const findings = input.findings.map((f) => {
    const pair = sides.get(f.fn);
    const baseline = pair ? stateOf(f, pair.base, margin) : { state: 'new' as const };
    states[baseline.state as keyof typeof states]++;
    return { ...f, baseline };
  });
  const fixed: FixedFinding[] = [...sides].flatMap(([fn, { head, base }]) =>
    fixedOf(head, base).map((b) => ({ fn, base: b, headConfidence: head.verdict.confidence })),
  );
  fixed.sort((a, b) => b.base.verdict.confidence - a.base.verdict.confidence);

  const budget = unknownBy.get('budget');
  if (budget) {
    notes.push(
      `The time budget ran out before the base versions of ${plural(budget, 'changed function')} were analysed: their findings count as new.`,
    );
  }
  for (const [why, n] of unknownBy) {
    if (why === 'budget') continue;
    notes.push(
      `${plural(n, 'changed function')}: base side not compared, ${why}; findings there count as new.`,
    );
  }
  const baseUnknown = [...unknownBy.values()].reduce((sum, n) => sum + n, 0);
  return {
    findings,
    report: {
      margin,
      fixed,
      notes,
      stats: {
        matched: matches.size,
        moved: [...matches.values()].filter((m) => m.how === 'moved').length,
        added,
        baseFilesRead: [...files.values()].filter((f) => 'functions' in f).length,
        baseAnalysed: sides.size,
        baseRequests,
        baseCached,
        baseUnknown,
        states,
        fixed: fixed.length,
      },
    },
  };
}

/** The base versions' verdicts, through the same analyser as the changed functions (cache, pool, budget). */
async function askBase(
  matches: readonly BaseMatch[],
  backend: Backend,
  options: AnalyseOptions,
): Promise<AnalyseOutcome[]> {
  if (matches.length === 0) return [];
  if (options.budgetMs !== undefined && options.budgetMs <= 0) {
    return matches.map(() => ({
      skipped: { reason: 'budget-exhausted', detail: 'the time budget was spent on the changed functions' },
    }));
  }
  // Progress callbacks belong to the changed functions' bar; the base side is reported in its own stats.
  const { onResult: _onResult, ...rest } = options;
  return analyseAll(
    matches.map(({ base }) => ({ source: base.source, lang: base.lang, name: base.name, file: base.file })),
    backend,
    rest,
  );
}

/** What is left of an overall budget of `budgetMs` that started at `startedAt` (performance.now()). */
export function remainingBudget(budgetMs: number | undefined, startedAt: number): number | undefined {
  return budgetMs === undefined
    ? undefined
    : Math.max(0, Math.round(budgetMs - (performance.now() - startedAt)));
}
