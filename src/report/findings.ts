import { createHash } from 'node:crypto';
import type { Analysis, ChangedFunction, Finding, Verdict } from '../types.ts';
import { weaknessFor } from './cwe.ts';

/** SARIF rule id for a vulnerable verdict: its CWE class, or the generic rule when none was named. */
export function ruleIdFor(verdict: Verdict): string {
  return weaknessFor(verdict.cwe).ruleId;
}

/**
 * Stable identity of a finding across re-runs: the rule and the function's source with all whitespace
 * removed, so re-indenting or shifting the function to other lines keeps the same fingerprint (and the
 * same review comment), while any change to the code itself makes it a new finding.
 */
export function fingerprintOf(ruleId: string, source: string): string {
  const normalized = source.replace(/\s+/g, '');
  return createHash('sha256').update(ruleId).update('\0').update(normalized).digest('hex').slice(0, 32);
}

export function toFinding(fn: ChangedFunction, verdict: Verdict): Finding {
  const ruleId = ruleIdFor(verdict);
  return { ruleId, fn, verdict, fingerprint: fingerprintOf(ruleId, fn.source) };
}

/** Vulnerable verdicts become findings, most confident first (then by file and line, for stable output). */
export function findingsOf(analyses: readonly Analysis[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of analyses) {
    if ('verdict' in a && a.verdict.vulnerable === true) findings.push(toFinding(a.fn, a.verdict));
  }
  return findings.sort(
    (x, y) =>
      y.verdict.confidence - x.verdict.confidence ||
      x.fn.file.localeCompare(y.fn.file) ||
      x.fn.start - y.fn.start,
  );
}

/** 1-based line in the file a verdict points at, when the backend named one inside the function. */
export function verdictFileLine(finding: Finding): number | undefined {
  const { line } = finding.verdict;
  if (line === undefined || line < 1) return undefined;
  const fileLine = finding.fn.start + line - 1;
  return fileLine <= finding.fn.end ? fileLine : undefined;
}

/**
 * A repository path as a relative URI reference (SARIF `artifactLocation.uri`, blob links): each segment
 * percent-encoded, so a space, `#` or `%` in a file name cannot end or corrupt the URI.
 */
export function pathToUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * A confidence as shown to people, to two decimals, rounded down: a finding at 0.8999 reads 0.89, so a
 * displayed value never suggests it reached a `fail-on-confidence: 0.9` gate that it did not trip.
 */
export function formatConfidence(confidence: number): string {
  return (Math.floor(confidence * 100 + 1e-9) / 100).toFixed(2);
}
