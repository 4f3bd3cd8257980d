// One evaluation: choose the samples, have them judged, score them. The judging is passed in (the
// command wires the model layer's analyseAll with cache and concurrency), so this file stays testable
// with any Backend-shaped function and knows nothing of endpoints.
import type { AnalyseOutcome } from '../model/analyse.ts';
import type { FunctionInput } from '../types.ts';
import { classOf, type DatasetSource, SAMPLE_CLASSES, type Sample, type SampleClass } from './dataset.ts';
import { computeMetrics, type ScoredSample } from './metrics.ts';
import { type PairGate, sideForSample } from './pairs.ts';
import type { EvalReport } from './report.ts';
import { stratifiedSample } from './sampling.ts';

/** Judges every input, calling onResult as each one finishes; may stop early when `signal` aborts. */
export type Judge = (
  inputs: FunctionInput[],
  hooks: { signal: AbortSignal; onResult: (index: number, outcome: AnalyseOutcome) => void },
) => Promise<unknown>;

export interface EvalOptions {
  source: DatasetSource;
  /** Stratified sample size; every row when omitted. */
  sample?: number;
  seed: number;
  targetPrecision: number;
  /** The gate the pair figures judge pull requests with (fail-on-confidence, baseline margin). */
  gate?: PairGate;
  backend: { name: string; model: string; promptHash: string };
  prompt: string;
  judge: Judge;
  signal?: AbortSignal;
  /** Called once the samples are loaded, before judging starts (e.g. to start a progress bar). */
  onLoaded?: (count: number) => void;
  onResult?: (index: number, outcome: AnalyseOutcome) => void;
}

/** Reads the rows to evaluate: a stratified draw when `sample` is set, else every row. */
export async function loadSamples(
  source: DatasetSource,
  sample: number | undefined,
  seed: number,
): Promise<{ rows: number; samples: Sample[] }> {
  const codes = await source.classes();
  const indices = sample === undefined ? undefined : stratifiedSample(codes, sample, seed);
  const samples: Sample[] = [];
  for await (const row of source.read(indices)) {
    const { row: _row, ...rest } = row;
    samples.push(rest);
  }
  return { rows: codes.length, samples };
}

export async function runEval(options: EvalOptions): Promise<EvalReport> {
  const startedAt = new Date().toISOString();
  const { rows, samples } = await loadSamples(options.source, options.sample, options.seed);
  options.onLoaded?.(samples.length);

  // Outcomes are collected as they arrive, so an interrupted run still has everything finished so far.
  const outcomes: (AnalyseOutcome | undefined)[] = new Array(samples.length);
  const controller = new AbortController();
  const stop = () => controller.abort();
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    await options.judge(
      samples.map((s) => ({ source: s.source, lang: s.lang })),
      {
        signal: controller.signal,
        onResult: (index, outcome) => {
          outcomes[index] = outcome;
          options.onResult?.(index, outcome);
        },
      },
    );
  } catch (error) {
    // An abort may surface as a rejection; the outcomes gathered so far are the partial result.
    if (!controller.signal.aborted) throw error;
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }

  const notAnalysed: Record<string, number> = {};
  let cached = 0;
  const scored: ScoredSample[] = samples.map((sample, i) => {
    const outcome = outcomes[i];
    const base = { cls: classOf(sample), label: sample.label, group: sample.group };
    if (!outcome || 'skipped' in outcome) {
      // analyseAll reports the questions a stop left unasked as budget-exhausted; here the stop was Ctrl-C.
      let reason = outcome ? outcome.skipped.reason : 'not-reached';
      if (controller.signal.aborted && reason === 'budget-exhausted') reason = 'interrupted';
      notAnalysed[reason] = (notAnalysed[reason] ?? 0) + 1;
      return { ...base, verdict: null };
    }
    if (outcome.verdict.cached) cached++;
    return {
      ...base,
      verdict: { vulnerable: outcome.verdict.vulnerable, confidence: outcome.verdict.confidence },
      side: sideForSample(sample.source, sample.lang, outcome.verdict),
    };
  });

  const classMix: Partial<Record<SampleClass, number>> = {};
  for (const cls of SAMPLE_CLASSES) {
    const count = scored.filter((s) => s.cls === cls).length;
    if (count > 0) classMix[cls] = count;
  }

  return {
    run: {
      dataset: options.source.path,
      format: options.source.format,
      rows,
      sample: options.sample === undefined ? null : { size: samples.length, seed: options.seed },
      backend: options.backend.name,
      model: options.backend.model,
      prompt: options.prompt,
      promptHash: options.backend.promptHash,
      startedAt,
      finishedAt: new Date().toISOString(),
      partial: controller.signal.aborted,
      notAnalysed,
      cached,
      classMix,
    },
    metrics: computeMetrics(scored, {
      targetPrecision: options.targetPrecision,
      ...(options.gate ? { gate: options.gate } : {}),
    }),
  };
}
