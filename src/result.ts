// What the pipeline hands to the reporters: plain data, so that report/ never depends on the orchestrator.
import type { BaselineReport } from './baseline/types.ts';
import type { FileReport } from './extract/index.ts';
import type { ExplainStats } from './model/explain-findings.ts';
import type { Analysis, ChangedFunction, Finding, Skipped, SkipReason, Verdict } from './types.ts';

export interface PipelineStats {
  /** Files in the change. */
  changedFiles: number;
  /** C/C++ files the extractor looked at. */
  sourceFiles: number;
  changedFunctions: number;
  /** Functions with a verdict of vulnerable or not. */
  analysed: number;
  /** Verdicts that matched neither answer: never safe, so they count as incomplete analysis. */
  unclassified: number;
  /** Verdicts served from the cache. */
  cached: number;
  /** Functions judged vulnerable, each one a finding. */
  findings: number;
  /** Files or functions left unanalysed (paths excluded on purpose are not counted here). */
  skipped: number;
  /** Files excluded by `paths` / `paths-ignore`. */
  ignored: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  durationMs: number;
}

export interface PipelineResult {
  functions: ChangedFunction[];
  analyses: Analysis[];
  findings: Finding[];
  /** Everything that got no verdict, extraction and analysis alike, ignored paths included. */
  skipped: Skipped[];
  /** Functions whose verdict was unclassified. */
  unclassified: Array<{ fn: ChangedFunction; verdict: Verdict }>;
  files: FileReport[];
  stats: PipelineStats;
  /** The comparison with the base revision, when one was made: what the change fixed, and its cost. */
  baseline?: BaselineReport;
  /** The explanation stage, when it ran: how many findings got a line and a reason, how many failed. */
  explanations?: ExplainStats;
}

/**
 * What went unanalysed, split so the counts add up: changed functions = analysed + unclassified +
 * functions not analysed; files left out whole (their functions unknown) are counted apart.
 */
export function unanalysedParts(result: Pick<PipelineResult, 'skipped' | 'stats'>): {
  functions: number;
  files: number;
} {
  let files = 0;
  for (const s of result.skipped)
    if (s.reason !== 'ignored-path' && s.function === undefined) files += s.count ?? 1;
  const functions = result.stats.changedFunctions - result.stats.analysed - result.stats.unclassified;
  return { functions: Math.max(0, functions), files };
}

/** Functions or files left without a usable verdict: what `on-error` acts on. Never a silent pass. */
export function unanalysedCount(result: PipelineResult): number {
  return result.stats.skipped + result.stats.unclassified;
}
