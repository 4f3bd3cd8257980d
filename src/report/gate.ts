// The merge gate, shared by the action and the scan command so both decide the same way.
import type { Finding } from '../types.ts';
import { type ReportMode, reportedFindings } from './baseline.ts';
import { count } from './words.ts';

export type OnError = 'fail' | 'warn';

export interface GateInput {
  findings: readonly Finding[];
  /** Functions or files without a usable verdict (skipped or unclassified). */
  unanalysed: number;
  failOnConfidence?: number;
  onError: OnError;
  /** `new`: findings that were already there before the change never fail the gate. Default `all`. */
  report?: ReportMode;
}

export interface GateOutcome {
  /** 0 pass, 1 a finding reached the threshold, 3 analysis incomplete with on-error=fail (conventions.md). */
  exitCode: 0 | 1 | 3;
  highConfidence: number;
  /** Why the gate failed, one message per reason. */
  failures: string[];
  /** Said when on-error=warn lets an incomplete analysis pass: never a silent pass. */
  warnings: string[];
}

export function evaluateGate(input: GateInput): GateOutcome {
  const threshold = input.failOnConfidence;
  const gating = reportedFindings(input.findings, input.report ?? 'all');
  const highConfidence =
    threshold === undefined ? 0 : gating.filter((f) => f.verdict.confidence >= threshold).length;
  const failures: string[] = [];
  const warnings: string[] = [];
  let exitCode: GateOutcome['exitCode'] = 0;
  if (highConfidence > 0) {
    const which = input.report === 'new' ? 'new finding' : 'finding';
    failures.push(`${count(highConfidence, which)} at or above confidence ${threshold}`);
    exitCode = 1;
  }
  if (input.unanalysed > 0) {
    const text = `${count(input.unanalysed, 'changed function or file', 'changed functions or files')} ${input.unanalysed === 1 ? 'was' : 'were'} not analysed or got no yes/no answer (see the summary for why)`;
    if (input.onError === 'fail') {
      failures.push(`${text}; set on-error to warn to let this pass`);
      if (exitCode === 0) exitCode = 3;
    } else warnings.push(text);
  }
  return { exitCode, highConfidence, failures, warnings };
}
