// diff + files → changed functions → verdicts → findings. Pure orchestration: the caller supplies the
// change, a way to read files and a backend, and gets plain data back for the reporters. Functions
// stream from extraction to the model through a bounded queue, so the first request leaves while later
// files are still being read and parsed, and extraction hides behind the requests.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareWithBase, remainingBudget } from './baseline/compare.ts';
import type { BaselineOptions } from './baseline/types.ts';
import { type ExtractionResult, type ExtractOptions, findChangedFunctions } from './extract/index.ts';
import { type AnalyseOptions, type AnalyseOutcome, startAnalysis } from './model/analyse.ts';
import type { Backend } from './model/backend.ts';
import type { Explainer } from './model/explain.ts';
import { explainFindings } from './model/explain-findings.ts';
import { isPreExisting, type ReportMode } from './report/baseline.ts';
import { findingsOf } from './report/findings.ts';
import type { PipelineResult, PipelineStats } from './result.ts';
import type { Analysis, ChangedFunction, FileChange, Skipped, SkipReason } from './types.ts';

export interface PipelineInput {
  changes: FileChange[];
  /** Bytes of a file at the head revision, or undefined when it cannot be read. */
  readFile: (path: string) => Promise<Uint8Array | undefined>;
  backend: Backend;
  extract?: ExtractOptions;
  analyse?: AnalyseOptions;
  /**
   * For progress bars: called as functions are found and as each gets its outcome. `total` is the
   * functions found so far; `final` says extraction has ended, so `total` will not grow any more. The
   * last call has `final` set and `done === total`.
   */
  onProgress?: (done: number, total: number, final: boolean) => void;
  /** Compare with the base revision (baseline states, what the change fixed); absent: no comparison. */
  baseline?: BaselineOptions;
  /** The optional explanation stage (line and reason for model findings); absent: none. */
  explain?: {
    explainer: Explainer;
    /** Which findings the reporters act on: only those are explained. */
    report: ReportMode;
    minConfidence: number;
    /** At most this many (the comment cap). */
    max: number;
  };
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const started = performance.now();
  const analyse = input.analyse ?? {};
  let found = 0;
  let done = 0;
  let final = false;
  const progress = () => input.onProgress?.(done, found, final);
  // The functions by their place in the run; each lets go of its syntax copy once it has its outcome.
  const byIndex: ChangedFunction[] = [];
  const analyseStarted = performance.now();
  const run = startAnalysis(input.backend, {
    ...analyse,
    onResult: (index, outcome) => {
      analyse.onResult?.(index, outcome);
      const fn = byIndex[index];
      if (fn) delete fn.syntax;
      done++;
      progress();
    },
  });
  // Each function's place in the run, by identity: the result keeps extraction's order whatever order
  // the functions were handed over in.
  const handedOver = new Map<ChangedFunction, number>();
  const handOver = async (fn: ChangedFunction) => {
    if (handedOver.has(fn)) return;
    handedOver.set(fn, handedOver.size);
    byIndex.push(fn);
    found++;
    // The function itself is the backend's FunctionInput: whatever extraction attached to it (the
    // rules backend's syntax copy) reaches the backend as it is.
    await run.add(fn);
  };

  let extracted: ExtractionResult;
  try {
    extracted = await findChangedFunctions(input.changes, input.readFile, {
      ...input.extract,
      // A backend that reads syntax (rules) gets a cheap copy of each changed function's tree.
      keepSyntax: input.backend.usesSyntax === true,
      onFunctions: async (functions) => {
        await input.extract?.onFunctions?.(functions);
        for (const fn of functions) await handOver(fn);
        progress();
        // Parsing holds the thread: let answers in and the next requests out before the next file.
        await nextTurn();
      },
    });
  } catch (error) {
    run.stop(`extraction failed (${error instanceof Error ? error.message : String(error)})`);
    await run.finish();
    throw error;
  }
  const { functions } = extracted;
  // Any function extraction returned without streaming it is asked now, so none goes unanalysed.
  for (const fn of functions) await handOver(fn);
  final = true;
  progress();
  const outcomes: AnalyseOutcome[] = await run.finish();

  const analyses: Analysis[] = functions.map((fn) => {
    const outcome = outcomes[handedOver.get(fn)!];
    if (outcome && 'verdict' in outcome) return { fn, verdict: outcome.verdict };
    // An outcome missing for a function would be a bug in the analysis; it is reported, not dropped.
    const skipped = outcome?.skipped ?? { reason: 'backend-error' as const, detail: 'no outcome returned' };
    return { fn, skipped: { file: fn.file, function: fn.name, ...skipped } };
  });

  const skipped: Skipped[] = [...extracted.skipped];
  const unclassified: PipelineResult['unclassified'] = [];
  for (const a of analyses) {
    if ('skipped' in a) skipped.push(a.skipped);
    else if (a.verdict.vulnerable === null) unclassified.push({ fn: a.fn, verdict: a.verdict });
  }
  const headFindings = findingsOf(analyses);
  const verdicts = analyses.flatMap((a) => ('verdict' in a ? [a.verdict] : []));

  // The delta against the base (src/baseline/): one call, after the head verdicts, on what is left of
  // the time budget. Findings come back in the same order, each with its baseline state.
  const delta = input.baseline
    ? await compareWithBase({
        changes: input.changes,
        analyses,
        findings: headFindings,
        backend: input.backend,
        ...input.baseline,
        analyse: { ...input.analyse, budgetMs: remainingBudget(input.analyse?.budgetMs, analyseStarted) },
        maxFileBytes: input.extract?.maxFileBytes,
        ...(extracted.macros ? { macros: extracted.macros } : {}),
      })
    : undefined;
  // The explanation stage: a line and a reason for the findings that will be commented; never drops one.
  const explained = input.explain
    ? await explainFindings(delta?.findings ?? headFindings, input.explain.explainer, {
        reportable: (f) => input.explain?.report === 'all' || !isPreExisting(f),
        minConfidence: input.explain.minConfidence,
        max: input.explain.max,
        concurrency: input.analyse?.concurrency,
        budgetMs: remainingBudget(input.analyse?.budgetMs, analyseStarted),
        signal: input.analyse?.signal,
      })
    : undefined;
  const findings = explained?.findings ?? delta?.findings ?? headFindings;

  return {
    functions,
    analyses,
    findings,
    skipped,
    unclassified,
    files: extracted.files,
    ...(delta ? { baseline: delta.report } : {}),
    ...(explained ? { explanations: explained.stats } : {}),
    stats: {
      changedFiles: input.changes.length,
      sourceFiles: extracted.files.length,
      changedFunctions: functions.length,
      analysed: verdicts.filter((v) => v.vulnerable !== null).length,
      unclassified: unclassified.length,
      cached: verdicts.filter((v) => v.cached).length,
      findings: findings.length,
      ...skipCounts(skipped),
      durationMs: Math.round(performance.now() - started),
    },
  };
}

/** The stats' skip counts; an entry counts as many files or functions as it stands for. */
function skipCounts(
  skipped: readonly Skipped[],
): Pick<PipelineStats, 'skipped' | 'ignored' | 'skippedByReason'> {
  const skippedByReason: Partial<Record<SkipReason, number>> = {};
  let total = 0;
  for (const s of skipped) {
    const n = s.count ?? 1;
    skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + n;
    total += n;
  }
  const ignored = skippedByReason['ignored-path'] ?? 0;
  return { skipped: total - ignored, ignored, skippedByReason };
}

/**
 * `result` with more that went unanalysed outside the pipeline (files GitHub did not list), listed first
 * and counted like the rest: by the gate, the summary, SARIF and the outputs.
 */
export function withSkipped(result: PipelineResult, extra: readonly Skipped[]): PipelineResult {
  if (extra.length === 0) return result;
  const skipped = [...extra, ...result.skipped];
  return { ...result, skipped, stats: { ...result.stats, ...skipCounts(skipped) } };
}

/** The result for a change with nothing to analyse (no C/C++ file in it). */
export function emptyPipelineResult(changes: readonly FileChange[]): PipelineResult {
  return {
    functions: [],
    analyses: [],
    findings: [],
    skipped: [],
    unclassified: [],
    files: [],
    stats: {
      changedFiles: changes.length,
      sourceFiles: 0,
      changedFunctions: 0,
      analysed: 0,
      unclassified: 0,
      cached: 0,
      findings: 0,
      skipped: 0,
      ignored: 0,
      skippedByReason: {},
      durationMs: 0,
    },
  };
}
