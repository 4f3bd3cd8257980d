import { createHash } from 'node:crypto';
import type { Analysis, ChangedFunction, Finding, Verdict, WeaknessHit } from '../types.ts';
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

/** 1-based line in the file that a line within `fn`'s source stands for, when it lies inside the function. */
export function fileLineOf(fn: ChangedFunction, line: number | undefined): number | undefined {
  if (line === undefined || !Number.isInteger(line) || line < 1) return undefined;
  const fileLine = fn.start + line - 1;
  return fileLine <= fn.end ? fileLine : undefined;
}

/** The line a finding points at: the verdict's own line, else where the change touched the function. */
function pointedLine(fn: ChangedFunction, verdict: Verdict): number {
  const changed = fn.firstChangedLine;
  const inside = changed !== undefined && changed >= fn.start && changed <= fn.end ? changed : undefined;
  return fileLineOf(fn, verdict.line) ?? inside ?? fn.start;
}

export function toFinding(fn: ChangedFunction, verdict: Verdict): Finding {
  const ruleId = ruleIdFor(verdict);
  return {
    ruleId,
    fn,
    verdict,
    fingerprint: fingerprintOf(ruleId, fn.source),
    line: pointedLine(fn, verdict),
  };
}

/**
 * The verdict as it applies to one hit: a finding per distinct weakness reads its class, confidence,
 * reason and line like any other finding's.
 */
function verdictForHit(verdict: Verdict, hit: WeaknessHit): Verdict {
  const { cwe: _cwe, ...rest } = verdict;
  return {
    ...rest,
    ...(hit.cwe ? { cwe: hit.cwe } : {}),
    confidence: hit.confidence,
    reason: hit.reason,
    line: hit.line,
  };
}

/**
 * One vulnerable verdict → its findings: one per distinct rule id among its hits (the strongest hit of
 * each, hits coming strongest first), or one for the function when the backend named no hits.
 */
export function findingsOfVerdict(fn: ChangedFunction, verdict: Verdict): Finding[] {
  if (verdict.vulnerable !== true) return [];
  if (!verdict.hits?.length) return [toFinding(fn, verdict)];
  const byRule = new Map<string, Finding>();
  for (const hit of verdict.hits) {
    const hitVerdict = verdictForHit(verdict, hit);
    const ruleId = ruleIdFor(hitVerdict);
    if (!byRule.has(ruleId)) byRule.set(ruleId, toFinding(fn, hitVerdict));
  }
  return [...byRule.values()];
}

/** Vulnerable verdicts become findings, most confident first (then by file and line, for stable output). */
export function findingsOf(analyses: readonly Analysis[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of analyses) {
    if ('verdict' in a) findings.push(...findingsOfVerdict(a.fn, a.verdict));
  }
  return findings.sort(
    (x, y) =>
      y.verdict.confidence - x.verdict.confidence ||
      x.fn.file.localeCompare(y.fn.file) ||
      x.fn.start - y.fn.start ||
      x.line - y.line,
  );
}

/** 1-based line in the file a verdict points at, when the backend named one inside the function. */
export function verdictFileLine(finding: Finding): number | undefined {
  return fileLineOf(finding.fn, finding.verdict.line);
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
