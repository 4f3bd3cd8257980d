import { describe, expect, it } from 'vitest';
import { computeMetrics, type ScoredSample } from '../../src/eval/metrics.ts';
import { type EvalReport, renderJson, renderMarkdown, renderTables } from '../../src/eval/report.ts';
import { seedRowFor } from '../../src/eval/seed-figures.ts';
import { renderPrCurveSvg } from '../../src/eval/svg.ts';

const v = (vulnerable: boolean | null, confidence: number) => ({ vulnerable, confidence });
const SAMPLES: ScoredSample[] = [
  { cls: 'CWE-120', label: 1, group: 'a', verdict: v(true, 0.9) },
  { cls: 'non-vulnerable', label: 0, group: 'a', verdict: v(false, 0.2) },
  { cls: 'CWE-476', label: 1, group: 'b', verdict: v(true, 0.6) },
  { cls: 'non-vulnerable', label: 0, group: 'b', verdict: v(true, 0.7) },
  { cls: 'CWE-other', label: 1, group: 'c', verdict: null },
];

function report(model: string, partial = false): EvalReport {
  return {
    run: {
      dataset: 'data/test.jsonl',
      format: 'jsonl',
      rows: 5,
      sample: null,
      backend: 'endpoint',
      model,
      prompt: 'pd-1',
      promptHash: 'abc123',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      partial,
      notAnalysed: partial ? { interrupted: 1 } : {},
      cached: 0,
      classMix: { 'CWE-120': 1, 'CWE-476': 1, 'CWE-other': 1, 'non-vulnerable': 2 },
    },
    metrics: computeMetrics(SAMPLES, { targetPrecision: 0.9 }),
  };
}

describe('report', () => {
  it("puts the seed's row beside ours when the model and prompt match one", () => {
    const text = renderTables(report('meta-llama/Meta-Llama-3-8B-Instruct'));
    expect(text).toContain('| meta-llama/Meta-Llama-3-8B-Instruct | pd-1 | 0 | 0.667 | 1.000 | 0.800 |');
    expect(text).toContain('| Llama-3-8B-Instruct (seed) | PD-1 | 138 | 0.073 | 0.638 | 0.131 |');
    expect(seedRowFor('vulnreview', 'pd-1')).toBeUndefined();
    expect(seedRowFor('mistralai/Mistral-7B-Instruct-v0.2', 'PD-2')?.unclassified).toBe(941);
  });

  it('writes Markdown with Table 4, Table 5, thresholds, pairs and the reference block', () => {
    const md = renderMarkdown(report('vulnreview', true));
    expect(md.startsWith('# vulnreview eval (partial: interrupted)')).toBe(true);
    expect(md).toContain('Not analysed (left out of every figure): 1 interrupted');
    expect(md).toContain('| CWE-476 | 1 | 0 | 1.000 | 0 |');
    expect(md).toContain('| Non-vulnerable | 1 | 1 | 0.500 | 0 |');
    expect(md).toMatch(
      /Precision ≥ 0\.90: set `fail-on-confidence` to 0\.900 \(precision 1\.000, recall 0\.500/,
    );
    expect(md).toContain('| 2 | 1 (50.0%) | 1 (50.0%) | 0 (0.0%) | 0 (0.0%) |');
    expect(md).toContain('| CWE-476 | 5 | 51 | 0.089 |');
    const json = JSON.parse(renderJson(report('vulnreview')));
    expect(json.metrics.detection.precision).toBeCloseTo(2 / 3);
  });
});

describe('PR curve SVG', () => {
  it('is a standalone SVG with axes, ticks, legend, the best-F1 point, and escaped text', () => {
    const curve = computeMetrics(SAMPLES, { targetPrecision: 0.9 }).prCurve!;
    const svg = renderPrCurveSvg(curve, 'endpoint · <model> & "co"');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="640" height="460"/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('endpoint · &#60;model&#62; &#38; &#34;co&#34;');
    expect(svg).toContain('<title>Precision-recall curve: endpoint · &#60;model&#62;');
    for (const tick of ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain('>Recall</text>');
    expect(svg).toContain('>Precision</text>');
    expect(svg).toContain('best F1 0.80 at confidence ≥ 0.60');
    expect(svg).toContain('precision ≥ 0.90 at confidence ≥ 0.90');
    // The curve: start at recall 0, then one vertex per threshold (0.9, 0.7, 0.6).
    const points = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points).toHaveLength(4);
    // Tags balance: every opened element is closed or self-closing.
    const opened = svg.match(/<(svg|text|title)\b/g)!.length;
    const closed = svg.match(/<\/(svg|text|title)>/g)!.length;
    expect(opened).toBe(closed);
  });
});
