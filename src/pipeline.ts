// diff + files → changed functions → verdicts → findings. Pure orchestration: the caller supplies the
// change, a way to read files and a backend, and gets plain data back for the reporters.
import { compareWithBase, remainingBudget } from './baseline/compare.ts';
import type { BaselineOptions } from './baseline/types.ts';
import { type ExtractOptions, findChangedFunctions } from './extract/index.ts';
import { type AnalyseOptions, analyseAll } from './model/analyse.ts';
import type { Backend } from './model/backend.ts';
import type { Explainer } from './model/explain.ts';
import { explainFindings } from './model/explain-findings.ts';
import { isPreExisting, type ReportMode } from './report/baseline.ts';
import { findingsOf } from './report/findings.ts';
import type { PipelineResult, PipelineStats } from './result.ts';
import type { Analysis, FileChange, Skipped, SkipReason } from './types.ts';

export interface PipelineInput {
  changes: FileChange[];
  /** Bytes of a file at the head revision, or undefined when it cannot be read. */
  readFile: (path: string) => Promise<Uint8Array | undefined>;
  backend: Backend;
  extract?: ExtractOptions;
  analyse?: AnalyseOptions;
  /** Called once the functions are known (done 0) and as each gets its outcome, for progress bars. */
  onProgress?: (done: number, total: number) => void;
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

function withProgress(
  options: AnalyseOptions,
  total: number,
  onProgress: PipelineInput['onProgress'],
): AnalyseOptions {
  if (!onProgress) return options;
  onProgress(0, total);
  let done = 0;
  return {
    ...options,
    onResult: (index, outcome) => {
      options.onResult?.(index, outcome);
      onProgress(++done, total);
    },
  };
}

export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const started = performance.now();
  const extract = { ...input.extract, keepSyntax: input.backend.usesSyntax === true };
  const extracted = await findChangedFunctions(input.changes, input.readFile, extract);
  const { functions } = extracted;
  const analyseStarted = performance.now();
  const outcomes = await analyseAll(
    functions.map(({ source, lang, name, file, syntax }) => ({ source, lang, name, file, syntax })),
    input.backend,
    withProgress(input.analyse ?? {}, functions.length, input.onProgress),
  );

  const analyses: Analysis[] = functions.map((fn, i) => {
    const outcome = outcomes[i];
    if (outcome && 'verdict' in outcome) return { fn, verdict: outcome.verdict };
    // An outcome missing for a function would be a bug in analyseAll; it is reported, not dropped.
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
