// Which findings the reporters act on: with `report: new` (the default) comments and the gate consider
// what the change made worse, and pre-existing findings are only listed; with `report: all`, every
// finding. The baseline states come from the pipeline (src/baseline/); nothing here recomputes them.
import type { Finding } from '../types.ts';

export type ReportMode = 'new' | 'all';

/** Flagged on the base side too, about as confidently: the change did not make it worse. */
export function isPreExisting(f: Finding): boolean {
  return f.baseline?.state === 'unchanged' || f.baseline?.state === 'updated';
}

/**
 * The findings comments and the gate consider. A finding without a baseline state (no comparison made, or
 * its base side unknown) counts as new: not knowing the base never lets a finding through.
 */
export function reportedFindings(findings: readonly Finding[], mode: ReportMode): Finding[] {
  return mode === 'all' ? [...findings] : findings.filter((f) => !isPreExisting(f));
}

/** The findings listed as "already there before this change" under `report: new`. */
export function preExistingFindings(findings: readonly Finding[], mode: ReportMode): Finding[] {
  return mode === 'all' ? [] : findings.filter(isPreExisting);
}
