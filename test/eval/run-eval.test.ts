import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../src/eval/dataset.ts';
import { runEval } from '../../src/eval/run-eval.ts';
import { analyseAll } from '../../src/model/analyse.ts';
import type { Backend } from '../../src/model/backend.ts';
import { BackendError } from '../../src/model/backend.ts';
import { MemoryVerdictCache } from '../../src/model/cache.ts';
import type { FunctionInput, Verdict } from '../../src/types.ts';

const FIXTURE = join(import.meta.dirname, '..', 'testdata', 'eval', 'small.jsonl');

/** A backend with a known rule: memcpy/strcpy without a length check is vulnerable. */
function keywordBackend(options: { failOn?: string; onAsk?: () => void } = {}): Backend & { asked: number } {
  const backend = {
    name: 'endpoint' as const,
    model: 'keyword-test',
    promptHash: 'test',
    asked: 0,
    async analyse(fn: FunctionInput): Promise<Verdict> {
      backend.asked++;
      options.onAsk?.();
      if (options.failOn && fn.source.includes(options.failOn))
        throw new BackendError('server said 500', true);
      const risky = /strcpy|memcpy/.test(fn.source) && !/if \(n >/.test(fn.source);
      return {
        vulnerable: risky,
        confidence: risky ? (fn.source.includes('strcpy') ? 0.95 : 0.7) : 0.1,
        rawAnswer: risky ? 'Yes' : 'No',
        backend: 'endpoint',
        model: 'keyword-test',
        promptHash: 'test',
      };
    },
  };
  return backend;
}

const judgeWith = (backend: Backend, cache?: MemoryVerdictCache) =>
  ((inputs, hooks) => analyseAll(inputs, backend, { concurrency: 2, cache, ...hooks })) satisfies Parameters<
    typeof runEval
  >[0]['judge'];

describe('runEval', () => {
  it('judges every sample through analyseAll and scores them', async () => {
    const backend = keywordBackend();
    const report = await runEval({
      source: await openDataset(FIXTURE),
      seed: 1,
      targetPrecision: 0.9,
      backend,
      prompt: 'pd-1',
      judge: judgeWith(backend),
    });
    // Flagged: the four "before" functions (memcpy unchecked) and tc-1/bad (strcpy); the good strncpy one
    // and the checked "after" versions are not.
    expect(report.metrics.detection).toMatchObject({
      samples: 12,
      analysed: 12,
      truePositives: 5,
      falsePositives: 0,
      falseNegatives: 1,
      trueNegatives: 6,
    });
    expect(report.metrics.pairs).toEqual({
      pairs: 5,
      toldApart: 5,
      bothFlagged: 0,
      neitherFlagged: 0,
      reversed: 0,
    });
    expect(report.metrics.prCurve?.points.map((p) => p.threshold)).toEqual([0.95, 0.7]);
    expect(report.run).toMatchObject({ rows: 12, sample: null, partial: false, notAnalysed: {}, cached: 0 });
    expect(report.run.classMix).toEqual({
      'CWE-120': 1,
      'CWE-119': 2,
      'CWE-469': 1,
      'CWE-476': 1,
      'CWE-other': 1,
      'non-vulnerable': 6,
    });
  });

  it('counts backend errors as not analysed and resumes from the cache', async () => {
    const cache = new MemoryVerdictCache();
    const failing = keywordBackend({ failOn: 'b - a' });
    const first = await runEval({
      source: await openDataset(FIXTURE),
      seed: 1,
      targetPrecision: 0.9,
      backend: failing,
      prompt: 'pd-1',
      judge: judgeWith(failing, cache),
    });
    expect(first.run.notAnalysed).toEqual({ 'backend-error': 1 });
    expect(first.metrics.detection.analysed).toBe(11);

    const second = keywordBackend();
    const again = await runEval({
      source: await openDataset(FIXTURE),
      seed: 1,
      targetPrecision: 0.9,
      backend: second,
      prompt: 'pd-1',
      judge: judgeWith(second, cache),
    });
    expect(second.asked).toBe(1);
    expect(again.run.cached).toBe(11);
    expect(again.metrics.detection.analysed).toBe(12);
  });

  it('stops asking on abort and marks the result partial', async () => {
    const controller = new AbortController();
    const backend = keywordBackend({
      onAsk: () => {
        if (backend.asked === 3) controller.abort();
      },
    });
    const report = await runEval({
      source: await openDataset(FIXTURE),
      seed: 1,
      targetPrecision: 0.9,
      backend,
      prompt: 'pd-1',
      signal: controller.signal,
      judge: (inputs, hooks) => analyseAll(inputs, backend, { concurrency: 1, ...hooks }),
    });
    expect(report.run.partial).toBe(true);
    expect(backend.asked).toBe(3);
    const missing = Object.values(report.run.notAnalysed).reduce((a, b) => a + b, 0);
    expect(report.metrics.detection.analysed + missing).toBe(12);
    expect(report.run.notAnalysed.interrupted).toBeGreaterThanOrEqual(9);
  });

  it('draws a stratified sample', async () => {
    const backend = keywordBackend();
    const report = await runEval({
      source: await openDataset(FIXTURE),
      sample: 6,
      seed: 3,
      targetPrecision: 0.9,
      backend,
      prompt: 'pd-1',
      judge: judgeWith(backend),
    });
    expect(report.run.sample).toEqual({ size: 6, seed: 3 });
    expect(report.metrics.detection.samples).toBe(6);
    expect(report.run.classMix['non-vulnerable']).toBe(3);
    expect(backend.asked).toBe(6);
  });
});
