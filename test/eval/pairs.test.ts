// Pair figures for the delta: pairwise accuracy, and what the gate does to a pull request that introduces
// each pair's flaw and to one that fixes it, judged with the pipeline's own state rule.
import { describe, expect, it } from 'vitest';
import type { ScoredSample } from '../../src/eval/metrics.ts';
import { computeMetrics } from '../../src/eval/metrics.ts';
import { pairDelta, sideForSample } from '../../src/eval/pairs.ts';
import { renderTables } from '../../src/eval/report.ts';
import type { Verdict } from '../../src/types.ts';

const v = (p: number) => ({ vulnerable: p >= 0.5, confidence: p });
const pair = (group: string, vulnerable: number, fixed: number): ScoredSample[] => [
  { cls: 'CWE-119', label: 1, group, verdict: v(vulnerable) },
  { cls: 'non-vulnerable', label: 0, group, verdict: v(fixed) },
];
const gate = { failOnConfidence: 0.8, margin: 0.2 };

describe('pairDelta', () => {
  it('pairwise accuracy counts pairs ranked right, ties and wrong apart', () => {
    const d = pairDelta(
      [...pair('a', 0.9, 0.2), ...pair('b', 0.7, 0.7), ...pair('c', 0.3, 0.6), ...pair('d', 0.95, 0.9)],
      gate,
    )!;
    expect(d).toMatchObject({ pairs: 4, above: 2, ties: 1, below: 1, pairwiseAccuracy: 0.5 });
  });

  it('report: new spares the fix of a flaw both sides are flagged for, and still catches its introduction when it is new', () => {
    const d = pairDelta(
      [...pair('both', 0.9, 0.85), ...pair('apart', 0.9, 0.2), ...pair('reversed', 0.3, 0.85)],
      gate,
    )!;
    // Introducing: `apart` is new in both modes; `both` is new only under report: all (P rose 0.05 < 0.2).
    expect(d.introduce).toEqual({ new: { commented: 1, failed: 1 }, all: { commented: 2, failed: 2 } });
    // Fixing: `both` and `reversed` flag the fixed side; under report: new only `reversed` (not flagged before).
    expect(d.fix).toEqual({ new: { commented: 1, failed: 1 }, all: { commented: 2, failed: 2 } });
  });

  it('a P(vulnerable) rise of the margin makes the introduction new; comments below the gate do not fail it', () => {
    const d = pairDelta([...pair('rise', 0.9, 0.6), ...pair('low', 0.6, 0.1)], gate)!;
    expect(d.introduce.new).toEqual({ commented: 2, failed: 1 });
  });

  it('leaves out pairs with an unclassified or missing side, and is null without pairs', () => {
    const unclassified: ScoredSample[] = [
      { cls: 'CWE-119', label: 1, group: 'u', verdict: { vulnerable: null, confidence: 0.5 } },
      { cls: 'non-vulnerable', label: 0, group: 'u', verdict: v(0.1) },
    ];
    expect(pairDelta([...unclassified, ...pair('a', 0.9, 0.1)], gate)?.pairs).toBe(1);
    expect(pairDelta(unclassified, gate)).toBeNull();
  });

  it('compares weaknesses by rule when the verdicts name hits, as the pipeline does', () => {
    const rules = (hits: Array<'CWE-120' | 'CWE-476'>): Verdict => ({
      vulnerable: hits.length > 0,
      confidence: hits.length > 0 ? 0.9 : 0.05,
      rawAnswer: hits.join(','),
      backend: 'rules',
      model: 'r',
      promptHash: 'h',
      hits: hits.map((cwe, i) => ({ cwe, line: i + 1, reason: cwe, confidence: 0.9 })),
    });
    const sample = (label: 0 | 1, hits: Array<'CWE-120' | 'CWE-476'>): ScoredSample => {
      const verdict = rules(hits);
      return {
        cls: label ? 'CWE-476' : 'non-vulnerable',
        label,
        group: 'g',
        verdict: { vulnerable: verdict.vulnerable, confidence: verdict.confidence },
        side: sideForSample('int f(void)\n{\n  return 0;\n}\n', 'c', verdict),
      };
    };
    // Same P(vulnerable) on both sides, but the vulnerable side has a weakness the fixed one has not.
    const d = pairDelta([sample(1, ['CWE-120', 'CWE-476']), sample(0, ['CWE-120'])], gate)!;
    expect(d.ties).toBe(1);
    expect(d.introduce.new).toEqual({ commented: 1, failed: 1 });
    expect(d.fix.new).toEqual({ commented: 0, failed: 0 });
  });

  it('is in the eval tables', () => {
    const metrics = computeMetrics([...pair('a', 0.9, 0.2), ...pair('b', 0.9, 0.9)], {
      targetPrecision: 0.9,
      gate,
    });
    const text = renderTables({
      run: {
        dataset: 'd.jsonl',
        format: 'jsonl',
        rows: 4,
        sample: null,
        backend: 'rules',
        model: 'r',
        prompt: 'none',
        promptHash: 'h',
        startedAt: '',
        finishedAt: '',
        partial: false,
        notAnalysed: {},
        cached: 0,
        classMix: {},
      },
      metrics,
    });
    expect(text).toContain('Pairwise accuracy: **0.500** — in 1 of 2 pairs');
    expect(text).toContain(
      '| fixes the flaw (vulnerable → fixed): a false alarm | 0 (0.0%) / 0 (0.0%) | 1 (50.0%) / 1 (50.0%) |',
    );
  });
});
