// A finding's baseline state from the verdicts of both sides of one function. Pure, and shared by the
// pipeline and `vulnreview eval`'s pair figures, so both judge a change the same way.
//
// The unit compared is the weakness: for a backend that tells weaknesses apart (a verdict with hits, one
// finding per rule id) the finding of the same rule id on the base side; for a yes/no model the function
// itself (its CWE guess may change between two askings without the code getting worse).
import { findingsOfVerdict } from '../report/findings.ts';
import type { BaselineState, ChangedFunction, Finding, Verdict } from '../types.ts';

/** What a finding is compared by across the two sides: its rule when the verdict had hits, else the function. */
export function weaknessKey(f: Finding): string {
  return f.verdict.hits?.length ? f.ruleId : 'function';
}

/** The text of the line a finding's verdict named, whitespace folded; undefined when it named none. */
function namedLineText(f: Finding): string | undefined {
  if (f.verdict.line === undefined) return undefined;
  const text = f.fn.source.split('\n')[f.verdict.line - 1];
  return text === undefined ? undefined : text.trim().replace(/\s+/g, ' ');
}

/** One side of a function: its verdict and the findings that verdict makes. */
export interface Side {
  verdict: Verdict;
  findings: readonly Finding[];
}

export function sideOf(fn: ChangedFunction, verdict: Verdict): Side {
  return { verdict, findings: findingsOfVerdict(fn, verdict) };
}

/**
 * The state of `head` (a finding of the changed function) against the base version's side:
 * - `new`: the base did not have this weakness, or P(vulnerable) rose by at least `margin`;
 * - `updated`: it had it, about as confidently, but its class or the named line's text changed;
 * - `unchanged`: it had it, about as confidently.
 * `baseConfidence` is the base side's P(vulnerable) for it (its finding's, else the verdict's).
 */
export function stateOf(
  head: Finding,
  base: Side,
  margin: number,
): { state: BaselineState; baseConfidence: number } {
  const key = weaknessKey(head);
  const before = base.findings.find((f) => weaknessKey(f) === key);
  if (!before) return { state: 'new', baseConfidence: base.verdict.confidence };
  const baseConfidence = before.verdict.confidence;
  // A small epsilon: 0.9 - 0.7 is 0.20000000000000007 in floating point, 0.7 - 0.5 is 0.19999999999999996.
  if (head.verdict.confidence - baseConfidence >= margin - 1e-9) return { state: 'new', baseConfidence };
  const headLine = namedLineText(head);
  const baseLine = namedLineText(before);
  const moved = headLine !== undefined && baseLine !== undefined && headLine !== baseLine;
  if (head.verdict.cwe !== before.verdict.cwe || moved) return { state: 'updated', baseConfidence };
  return { state: 'unchanged', baseConfidence };
}

/**
 * The base side's findings the change removed: weaknesses flagged before and not now. Nothing is fixed
 * when the changed function has no yes/no verdict (unclassified): that is not known to be safe.
 */
export function fixedOf(head: Side, base: Side): Finding[] {
  if (head.verdict.vulnerable === null) return [];
  const still = new Set(head.findings.map(weaknessKey));
  return base.findings.filter((f) => !still.has(weaknessKey(f)));
}
