// Paired data (one vulnerable and one fixed version of a function) read the way a pull request reads it.
// `pairSummary` (metrics.ts) says whether each side was flagged; this adds what the delta needs:
// - pairwise accuracy: the share of pairs where P(vulnerable) of the vulnerable version is above the
//   fixed one's (ties counted apart: a detector that gives both sides one score has told nothing apart);
// - what the gate would have done to the pull request that introduces each vulnerability (base: the
//   fixed version, head: the vulnerable one) and to the one that fixes it (base: vulnerable, head: fixed),
//   under `report: new` and `report: all`, judged by the pipeline's own state rule (src/baseline/states.ts).
import { type Side, sideOf, stateOf } from '../baseline/states.ts';
import type { ChangedFunction, Lang, Verdict } from '../types.ts';
import type { ScoredSample } from './metrics.ts';

/** The gate settings the pull requests are judged with. */
export interface PairGate {
  /** A finding at or above this confidence fails the check (`fail-on-confidence`). */
  failOnConfidence: number;
  /** `baseline-margin`. */
  margin: number;
}

/** How many of the pull requests of one kind got a comment, and how many failed the check. */
export interface PrOutcome {
  /** A finding the reporters act on (a comment). */
  commented: number;
  /** A finding at or above the gate. */
  failed: number;
}

export interface PairDelta {
  /** Pairs with a yes/no verdict on both sides. */
  pairs: number;
  /** P(vulnerable) of the vulnerable version above / equal to / below the fixed version's. */
  above: number;
  ties: number;
  below: number;
  /** above / pairs. */
  pairwiseAccuracy: number;
  gate: PairGate;
  /** Pull requests that turn the fixed version into the vulnerable one: a comment here is a catch. */
  introduce: Record<'new' | 'all', PrOutcome>;
  /** Pull requests that fix the vulnerability: a comment here is a false alarm on a fix. */
  fix: Record<'new' | 'all', PrOutcome>;
}

/** A sample as the changed function of a one-function pull request. */
function sampleFunction(source: string, lang: Lang): ChangedFunction {
  return { file: 'sample', name: 'sample', start: 1, end: source.split('\n').length, lang, source };
}

/** One side of a sample for the state rule: its full verdict when run-eval kept it, else a yes/no one. */
export function sampleSide(sample: ScoredSample): Side | undefined {
  if (!sample.verdict || sample.verdict.vulnerable === null) return undefined;
  if (sample.side) return sample.side;
  const verdict: Verdict = {
    vulnerable: sample.verdict.vulnerable,
    confidence: sample.verdict.confidence,
    rawAnswer: '',
    backend: 'endpoint',
    model: '',
    promptHash: '',
  };
  return sideOf(sampleFunction('', 'c'), verdict);
}

/** The side run-eval keeps for each judged sample (its findings, as the pipeline would make them). */
export function sideForSample(source: string, lang: Lang, verdict: Verdict): Side {
  return sideOf(sampleFunction(source, lang), verdict);
}

/** What the reporters do with a pull request from `base` to `head`, under both report modes. */
function judgePr(head: Side, base: Side, gate: PairGate, into: Record<'new' | 'all', PrOutcome>): void {
  const reported = {
    all: head.findings,
    new: head.findings.filter((f) => stateOf(f, base, gate.margin).state === 'new'),
  };
  for (const mode of ['new', 'all'] as const) {
    if (reported[mode].length > 0) into[mode].commented++;
    if (reported[mode].some((f) => f.verdict.confidence >= gate.failOnConfidence)) into[mode].failed++;
  }
}

const outcome = (): Record<'new' | 'all', PrOutcome> => ({
  new: { commented: 0, failed: 0 },
  all: { commented: 0, failed: 0 },
});

export function pairDelta(samples: readonly ScoredSample[], gate: PairGate): PairDelta | null {
  const groups = new Map<string, ScoredSample[]>();
  for (const sample of samples) {
    const members = groups.get(sample.group);
    members ? members.push(sample) : groups.set(sample.group, [sample]);
  }
  const delta: PairDelta = {
    pairs: 0,
    above: 0,
    ties: 0,
    below: 0,
    pairwiseAccuracy: 0,
    gate,
    introduce: outcome(),
    fix: outcome(),
  };
  for (const members of groups.values()) {
    if (members.length !== 2) continue;
    const vulnerable = members.find((s) => s.label === 1);
    const fixed = members.find((s) => s.label === 0);
    const v = vulnerable && sampleSide(vulnerable);
    const f = fixed && sampleSide(fixed);
    if (!v || !f) continue;
    delta.pairs++;
    const diff = v.verdict.confidence - f.verdict.confidence;
    if (diff > 0) delta.above++;
    else if (diff < 0) delta.below++;
    else delta.ties++;
    judgePr(v, f, gate, delta.introduce);
    judgePr(f, v, gate, delta.fix);
  }
  if (delta.pairs === 0) return null;
  delta.pairwiseAccuracy = delta.above / delta.pairs;
  return delta;
}
