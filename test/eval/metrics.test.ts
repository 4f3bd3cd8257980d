import { describe, expect, it } from 'vitest';
import {
  classAccuracy,
  computeMetrics,
  detectionSummary,
  pairSummary,
  prCurve,
  type ScoredSample,
} from '../../src/eval/metrics.ts';

const v = (vulnerable: boolean | null, confidence: number) => ({ vulnerable, confidence });

// Hand-worked case: see the numbers in each test.
const SAMPLES: ScoredSample[] = [
  { cls: 'CWE-120', label: 1, group: 'a', verdict: v(true, 0.9) },
  { cls: 'CWE-120', label: 1, group: 'b', verdict: v(false, 0.3) },
  { cls: 'CWE-476', label: 1, group: 'c', verdict: v(null, 0.5) },
  { cls: 'non-vulnerable', label: 0, group: 'b', verdict: v(true, 0.8) },
  { cls: 'non-vulnerable', label: 0, group: 'a', verdict: v(false, 0.1) },
  { cls: 'non-vulnerable', label: 0, group: 'c', verdict: v(null, 0.5) },
  { cls: 'non-vulnerable', label: 0, group: 'd', verdict: null },
];

describe('detectionSummary (Table 4)', () => {
  it('counts unclassified, treats them as not flagged, and leaves unanalysed samples out', () => {
    const d = detectionSummary(SAMPLES);
    expect(d).toMatchObject({
      samples: 7,
      analysed: 6,
      notAnalysed: 1,
      unclassified: 2,
      truePositives: 1,
      falsePositives: 1,
      falseNegatives: 2,
      trueNegatives: 2,
    });
    expect(d.precision).toBeCloseTo(0.5);
    expect(d.recall).toBeCloseTo(1 / 3);
    expect(d.f1).toBeCloseTo(0.4);
  });

  it('gives n/a (null) precision when nothing is flagged and recall when nothing is vulnerable', () => {
    const d = detectionSummary([{ cls: 'non-vulnerable', label: 0, group: 'x', verdict: v(false, 0.1) }]);
    expect(d.precision).toBeNull();
    expect(d.recall).toBeNull();
    expect(d.f1).toBeNull();
  });

  it("reproduces the seed's fine-tuned Llama-3 row from its Table 5 counts", () => {
    // Table 5: 160 of 350 vulnerable flagged, 249 of 4,650 non-vulnerable flagged.
    const samples: ScoredSample[] = [
      ...Array.from({ length: 350 }, (_, i) => ({
        cls: 'CWE-120' as const,
        label: 1 as const,
        group: `p${i}`,
        verdict: v(i < 160, 0.5),
      })),
      ...Array.from({ length: 4650 }, (_, i) => ({
        cls: 'non-vulnerable' as const,
        label: 0 as const,
        group: `n${i}`,
        verdict: v(i < 249, 0.5),
      })),
    ];
    const d = detectionSummary(samples);
    expect(d.precision!.toFixed(3)).toBe('0.391');
    expect(d.recall!.toFixed(3)).toBe('0.457');
    expect(d.f1!.toFixed(3)).toBe('0.422');
  });
});

describe('classAccuracy (Table 5)', () => {
  it('scores each class with Non-vulnerable last', () => {
    const rows = classAccuracy(SAMPLES);
    expect(rows.map((r) => r.cls)).toEqual(['CWE-120', 'CWE-476', 'non-vulnerable']);
    expect(rows[0]).toMatchObject({ correct: 1, incorrect: 1, unclassified: 0, accuracy: 0.5 });
    expect(rows[1]).toMatchObject({ correct: 0, incorrect: 1, unclassified: 1, accuracy: 0 });
    expect(rows[2]).toMatchObject({ correct: 2, incorrect: 1, unclassified: 1 });
    expect(rows[2]!.accuracy).toBeCloseTo(2 / 3);
  });
});

describe('prCurve (the merge gate: flagged = vulnerable verdict with confidence ≥ threshold)', () => {
  // 5 vulnerable, 3 not; five flagged verdicts, three never flagged whatever their confidence.
  const CURVE: ScoredSample[] = [
    { cls: 'CWE-120', label: 1, group: '1', verdict: v(true, 0.95) },
    { cls: 'non-vulnerable', label: 0, group: '2', verdict: v(true, 0.9) },
    { cls: 'CWE-119', label: 1, group: '3', verdict: v(true, 0.8) },
    { cls: 'non-vulnerable', label: 0, group: '4', verdict: v(true, 0.8) },
    { cls: 'CWE-476', label: 1, group: '5', verdict: v(true, 0.7) },
    { cls: 'CWE-476', label: 1, group: '6', verdict: v(false, 0.99) },
    { cls: 'non-vulnerable', label: 0, group: '7', verdict: v(false, 0.2) },
    { cls: 'CWE-other', label: 1, group: '8', verdict: v(null, 0.5) },
    { cls: 'CWE-other', label: 1, group: '9', verdict: null },
  ];

  it('has one point per distinct confidence, ties crossing together', () => {
    const result = prCurve(CURVE, 0.9);
    if (!('curve' in result)) throw new Error(result.missing);
    const { curve } = result;
    expect(curve.points.map((p) => [p.threshold, p.truePositives, p.falsePositives])).toEqual([
      [0.95, 1, 0],
      [0.9, 1, 1],
      [0.8, 2, 2],
      [0.7, 3, 2],
    ]);
    expect(curve.points.map((p) => p.recall)).toEqual([0.2, 0.2, 0.4, 0.6]);
    // AP = 0.2·1 + 0·0.5 + 0.2·0.5 + 0.2·0.6
    expect(curve.averagePrecision).toBeCloseTo(0.42);
    expect(curve.bestF1.threshold).toBe(0.7);
    expect(curve.bestF1.f1).toBeCloseTo(0.6);
    expect(curve.atTargetPrecision?.threshold).toBe(0.95);
    expect(curve.positives).toBe(5);
    expect(curve.negatives).toBe(3);
  });

  it('picks the lowest threshold that still reaches the target precision', () => {
    const result = prCurve(CURVE, 0.55);
    if (!('curve' in result)) throw new Error(result.missing);
    expect(result.curve.atTargetPrecision).toMatchObject({ threshold: 0.7, precision: 0.6, recall: 0.6 });
  });

  it('reports no threshold when the target precision is never reached', () => {
    const samples: ScoredSample[] = [
      { cls: 'non-vulnerable', label: 0, group: 'a', verdict: v(true, 0.9) },
      { cls: 'CWE-119', label: 1, group: 'b', verdict: v(true, 0.8) },
    ];
    const result = prCurve(samples, 0.9);
    if (!('curve' in result)) throw new Error(result.missing);
    expect(result.curve.atTargetPrecision).toBeNull();
  });

  it('explains why there is no curve', () => {
    const same = CURVE.map((s) => ({ ...s, verdict: s.verdict && { ...s.verdict, confidence: 0.5 } }));
    expect(prCurve(same, 0.9)).toEqual({ missing: expect.stringContaining('same confidence') });
    expect(
      prCurve(
        CURVE.filter((s) => s.label === 1),
        0.9,
      ),
    ).toEqual({ missing: expect.stringContaining('one label') });
    const none = CURVE.map((s) => ({ ...s, verdict: s.verdict && { ...s.verdict, vulnerable: false } }));
    expect(prCurve(none, 0.9)).toEqual({ missing: 'no sample was flagged' });
  });
});

describe('pairSummary', () => {
  it('sorts pairs into told apart, both, neither and reversed, ignoring other groups', () => {
    const pair = (group: string, vuln: boolean, fixed: boolean): ScoredSample[] => [
      { cls: 'CWE-119', label: 1, group, verdict: v(vuln, 0.5) },
      { cls: 'non-vulnerable', label: 0, group, verdict: v(fixed, 0.5) },
    ];
    const samples = [
      ...pair('g1', true, false),
      ...pair('g2', true, false),
      ...pair('g3', true, true),
      ...pair('g4', false, false),
      ...pair('g5', false, true),
      // Not pairs: three members, two vulnerable, or a member without a verdict.
      ...pair('g6', true, false),
      { cls: 'non-vulnerable', label: 0, group: 'g6', verdict: v(false, 0.1) },
      { cls: 'CWE-119', label: 1, group: 'g7', verdict: v(true, 0.5) },
      { cls: 'CWE-119', label: 1, group: 'g7', verdict: v(true, 0.5) },
      { cls: 'CWE-119', label: 1, group: 'g8', verdict: v(true, 0.5) },
      { cls: 'non-vulnerable', label: 0, group: 'g8', verdict: null },
    ] satisfies ScoredSample[];
    expect(pairSummary(samples)).toEqual({
      pairs: 5,
      toldApart: 2,
      bothFlagged: 1,
      neitherFlagged: 1,
      reversed: 1,
    });
  });

  it('is null without pairs', () => {
    expect(pairSummary(SAMPLES.slice(0, 1))).toBeNull();
  });
});

describe('computeMetrics', () => {
  it('bundles the parts', () => {
    const m = computeMetrics(SAMPLES, { targetPrecision: 0.9 });
    expect(m.detection.truePositives).toBe(1);
    expect(m.perClass).toHaveLength(3);
    expect(m.prCurve?.points).toHaveLength(2);
    expect(m.pairs).toEqual({ pairs: 3, toldApart: 1, bothFlagged: 0, neitherFlagged: 1, reversed: 1 });
  });
});
