// The delta against the base revision: how a change's findings relate to the code before it.
import type { ChangedFunction, Finding } from '../types.ts';

/**
 * A file's bytes at the base revision; undefined when it did not exist there. Throws when it cannot
 * tell (API error, a patch that cannot be reversed): the functions of that file then keep `new` findings
 * and the run says why. Git, the GitHub API and patch reversal each provide one (see docs/delta.md).
 */
export type BaseFileReader = (path: string) => Promise<Uint8Array | undefined>;

/** What the pipeline needs to compare a change with its base. */
export interface BaselineOptions {
  readBaseFile: BaseFileReader;
  /**
   * How much P(vulnerable) must rise, on a function flagged on both sides, for its finding to count as
   * `new` (the change made it markedly worse) rather than `unchanged`. Default DEFAULT_MARGIN.
   */
  margin?: number;
}

export const DEFAULT_MARGIN = 0.2;

/** A finding of the base version that the change removed: flagged before, not now. */
export interface FixedFinding {
  /** The function as it stands after the change. */
  fn: ChangedFunction;
  /** The finding as it was on the base side (its `fn` is the base version, with base-side lines). */
  base: Finding;
  /** P(vulnerable) of the changed function now. */
  headConfidence: number;
}

export interface BaselineStats {
  /** Changed functions that had a base version (modified, in a renamed file, or moved and edited). */
  matched: number;
  /** Of those, moved from another file of the change. */
  moved: number;
  /** Changed functions with no base version: new code, whose findings are all `new`. */
  added: number;
  /** Base files read (from git, the API, or reconstructed from the patch). */
  baseFilesRead: number;
  /** Base versions that got a verdict. */
  baseAnalysed: number;
  /** Questions the backend was asked for base versions (the extra cost of the delta). */
  baseRequests: number;
  /** Base verdicts served from the verdict cache (no request). */
  baseCached: number;
  /**
   * Changed functions whose base side could not be judged (base file unreadable, budget spent, model
   * failure, unclassified answer): their findings stay `new`, which can only make the gate stricter.
   */
  baseUnknown: number;
  /** Findings by state. */
  states: { new: number; unchanged: number; updated: number };
  fixed: number;
}

export interface BaselineReport {
  margin: number;
  /** What the change fixed, most confident (on the base side) first. */
  fixed: FixedFinding[];
  stats: BaselineStats;
  /** Plain sentences for the summary and stderr: why some findings stayed `new` without a comparison. */
  notes: string[];
}
