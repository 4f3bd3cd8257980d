// The seed's tables and the threshold figures, from plain per-sample results. Pure: no I/O.
//
// Unclassified answers (the model said neither yes nor no): the seed counted them, then classified them
// by hand. We cannot, so they are counted in the Unclassified column AND treated as "not flagged" for
// precision, recall, F1 and Table 5 — which is what the merge gate does with them too.
// Samples that got no verdict at all (backend error, run interrupted) are left out of every figure and
// counted separately as not analysed.
import type { Side } from '../baseline/states.ts';
import { SAMPLE_CLASSES, type SampleClass } from './dataset.ts';
import { type PairDelta, type PairGate, pairDelta } from './pairs.ts';

export interface ScoredSample {
  cls: SampleClass;
  label: 0 | 1;
  group: string;
  /** null when the sample got no verdict (skipped, or the run stopped before it). */
  verdict: { vulnerable: boolean | null; confidence: number } | null;
  /** The full verdict and its findings (kept by run-eval), so pairs are judged as the pipeline judges a PR. */
  side?: Side;
}

/** Table 4 of the seed: one row per backend and prompt. */
export interface DetectionSummary {
  samples: number;
  analysed: number;
  notAnalysed: number;
  unclassified: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  /** null when nothing was flagged (precision undefined). */
  precision: number | null;
  /** null when there are no vulnerable samples. */
  recall: number | null;
  f1: number | null;
}

/** Table 5 of the seed: one row per class, Non-vulnerable included. */
export interface ClassAccuracy {
  cls: SampleClass;
  correct: number;
  incorrect: number;
  /** Of the incorrect (vulnerable classes) or correct (non-vulnerable) ones, how many were unclassified. */
  unclassified: number;
  accuracy: number | null;
}

export interface PrPoint {
  /** Flag a sample when its confidence is at or above this. */
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  truePositives: number;
  falsePositives: number;
}

export interface PrCurve {
  /** One point per distinct confidence of a flagged verdict, highest threshold first. */
  points: PrPoint[];
  /** Average precision: Σ (Rₖ − Rₖ₋₁)·Pₖ over the points, the step-wise area under the curve. */
  averagePrecision: number;
  bestF1: PrPoint;
  targetPrecision: number;
  /** The lowest threshold whose precision reaches the target (most recall at that precision), if any. */
  atTargetPrecision: PrPoint | null;
  positives: number;
  negatives: number;
}

/** Paired data: groups of exactly one vulnerable and one fixed function, both analysed. */
export interface PairSummary {
  pairs: number;
  /** Vulnerable flagged, fixed not: the pair told apart. */
  toldApart: number;
  bothFlagged: number;
  neitherFlagged: number;
  /** Fixed flagged, vulnerable not. */
  reversed: number;
}

export interface EvalMetrics {
  detection: DetectionSummary;
  perClass: ClassAccuracy[];
  /** null (with the reason) when confidences cannot rank the samples. */
  prCurve: PrCurve | null;
  prCurveMissing?: string;
  /** null when the data has no pairs. */
  pairs: PairSummary | null;
  /** Pairwise accuracy and the gate on pull requests that introduce or fix each pair's flaw; null without pairs. */
  pairDelta?: PairDelta | null;
}

/** The gate the pair figures assume unless told otherwise: every finding a comment shows, default margin. */
export const DEFAULT_PAIR_GATE: PairGate = { failOnConfidence: 0.5, margin: 0.2 };

const ratio = (num: number, den: number): number | null => (den === 0 ? null : num / den);

function f1Of(precision: number | null, recall: number | null): number | null {
  if (precision === null || recall === null) return null;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}

const flagged = (sample: ScoredSample): boolean => sample.verdict?.vulnerable === true;

export function detectionSummary(samples: readonly ScoredSample[]): DetectionSummary {
  const counts = { tp: 0, fp: 0, fn: 0, tn: 0, unclassified: 0, analysed: 0 };
  for (const sample of samples) {
    if (!sample.verdict) continue;
    counts.analysed++;
    if (sample.verdict.vulnerable === null) counts.unclassified++;
    if (sample.label === 1) flagged(sample) ? counts.tp++ : counts.fn++;
    else flagged(sample) ? counts.fp++ : counts.tn++;
  }
  const precision = ratio(counts.tp, counts.tp + counts.fp);
  const recall = ratio(counts.tp, counts.tp + counts.fn);
  return {
    samples: samples.length,
    analysed: counts.analysed,
    notAnalysed: samples.length - counts.analysed,
    unclassified: counts.unclassified,
    truePositives: counts.tp,
    falsePositives: counts.fp,
    falseNegatives: counts.fn,
    trueNegatives: counts.tn,
    precision,
    recall,
    f1: f1Of(precision, recall),
  };
}

/** Per-class accuracy for the classes present, in SAMPLE_CLASSES order (Non-vulnerable last, as the seed). */
export function classAccuracy(samples: readonly ScoredSample[]): ClassAccuracy[] {
  const rows = new Map<SampleClass, ClassAccuracy>();
  for (const sample of samples) {
    if (!sample.verdict) continue;
    let row = rows.get(sample.cls);
    if (!row) {
      row = { cls: sample.cls, correct: 0, incorrect: 0, unclassified: 0, accuracy: null };
      rows.set(sample.cls, row);
    }
    const correct = flagged(sample) === (sample.label === 1);
    correct ? row.correct++ : row.incorrect++;
    if (sample.verdict.vulnerable === null) row.unclassified++;
  }
  return SAMPLE_CLASSES.flatMap((cls) => {
    const row = rows.get(cls);
    return row ? [{ ...row, accuracy: ratio(row.correct, row.correct + row.incorrect) }] : [];
  });
}

/**
 * The curve of the merge gate: at threshold X a function counts as flagged when its verdict says
 * vulnerable AND its confidence is ≥ X (exactly what `fail-on-confidence` X does), so a threshold read
 * off this curve can be used as it is. Verdicts that are not "vulnerable" are never flagged; recall is
 * over every analysed vulnerable sample.
 */
export function prCurve(
  samples: readonly ScoredSample[],
  targetPrecision: number,
): { curve: PrCurve } | { missing: string } {
  const analysed = samples.filter((s) => s.verdict !== null);
  const positives = analysed.filter((s) => s.label === 1).length;
  const negatives = analysed.length - positives;
  if (positives === 0 || negatives === 0) {
    return { missing: 'the analysed samples are all of one label, so there is no curve to draw' };
  }
  const scored = analysed
    .filter(flagged)
    .map((s) => ({ confidence: s.verdict!.confidence, label: s.label }))
    .sort((a, b) => b.confidence - a.confidence);
  if (scored.length === 0) return { missing: 'no sample was flagged' };
  if (new Set(scored.map((s) => s.confidence)).size < 2) {
    return {
      missing: 'every flagged verdict has the same confidence, so confidences cannot rank the samples',
    };
  }
  const points: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scored.length; i++) {
    scored[i]!.label === 1 ? tp++ : fp++;
    // Tied confidences cross the threshold together: emit one point after the last of a tie.
    if (i + 1 < scored.length && scored[i + 1]!.confidence === scored[i]!.confidence) continue;
    const precision = tp / (tp + fp);
    const recall = tp / positives;
    points.push({
      threshold: scored[i]!.confidence,
      precision,
      recall,
      f1: f1Of(precision, recall)!,
      truePositives: tp,
      falsePositives: fp,
    });
  }
  let averagePrecision = 0;
  let previousRecall = 0;
  for (const point of points) {
    averagePrecision += (point.recall - previousRecall) * point.precision;
    previousRecall = point.recall;
  }
  // Ties in F1 go to the higher threshold (fewer findings for the same score).
  const bestF1 = points.reduce((best, point) => (point.f1 > best.f1 ? point : best));
  const reaching = points.filter((point) => point.precision >= targetPrecision);
  return {
    curve: {
      points,
      averagePrecision,
      bestF1,
      targetPrecision,
      atTargetPrecision: reaching.at(-1) ?? null,
      positives,
      negatives,
    },
  };
}

export function pairSummary(samples: readonly ScoredSample[]): PairSummary | null {
  const groups = new Map<string, ScoredSample[]>();
  for (const sample of samples) {
    const members = groups.get(sample.group);
    members ? members.push(sample) : groups.set(sample.group, [sample]);
  }
  const summary: PairSummary = { pairs: 0, toldApart: 0, bothFlagged: 0, neitherFlagged: 0, reversed: 0 };
  for (const members of groups.values()) {
    if (members.length !== 2) continue;
    const vulnerable = members.find((s) => s.label === 1);
    const fixed = members.find((s) => s.label === 0);
    if (!vulnerable || !fixed || !vulnerable.verdict || !fixed.verdict) continue;
    summary.pairs++;
    const [v, f] = [flagged(vulnerable), flagged(fixed)];
    if (v && !f) summary.toldApart++;
    else if (v && f) summary.bothFlagged++;
    else if (!v && !f) summary.neitherFlagged++;
    else summary.reversed++;
  }
  return summary.pairs === 0 ? null : summary;
}

export function computeMetrics(
  samples: readonly ScoredSample[],
  options: { targetPrecision: number; gate?: PairGate },
): EvalMetrics {
  const pr = prCurve(samples, options.targetPrecision);
  return {
    detection: detectionSummary(samples),
    perClass: classAccuracy(samples),
    prCurve: 'curve' in pr ? pr.curve : null,
    ...('missing' in pr ? { prCurveMissing: pr.missing } : {}),
    pairs: pairSummary(samples),
    pairDelta: pairDelta(samples, options.gate ?? DEFAULT_PAIR_GATE),
  };
}
