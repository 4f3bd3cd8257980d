// The explanation stage over a run's findings: which ones to explain, in a bounded pool, within what is
// left of the time budget. The classifier's verdict stays the judge: an explanation only adds a line and
// a reason (and moves `Finding.line` there), and a failed one leaves the finding exactly as it was.
import pLimit from 'p-limit';
import type { Finding } from '../types.ts';
import type { Explainer } from './explain.ts';

export interface ExplainStageOptions {
  /** Findings the reporters will act on (new ones under `report: new`): only these are explained. */
  reportable: (f: Finding) => boolean;
  /** Findings below this confidence are not explained. */
  minConfidence: number;
  /** At most this many (max-comments: an explanation nobody will see as a comment is not worth a request). */
  max: number;
  concurrency?: number;
  /** What is left of the overall time budget, in ms. */
  budgetMs?: number;
  signal?: AbortSignal;
}

export interface ExplainStats {
  /** Findings sent to the explain model. */
  asked: number;
  explained: number;
  /** Asked but no usable explanation (the finding stands without one). */
  failed: number;
  /** Findings whose backend already named a line and a reason (the rules backend): no request. */
  fromBackend: number;
  /** Eligible but not asked: the time budget ran out first. */
  notReached: number;
  /** The explain model's name. */
  model: string;
  /** The first few failure messages, for the summary. */
  failures: string[];
}

/** The rules backend already says where and why: its findings take the same path with no request. */
function hasBackendExplanation(f: Finding): boolean {
  return f.verdict.line !== undefined && Boolean(f.verdict.reason);
}

export async function explainFindings(
  findings: readonly Finding[],
  explainer: Explainer,
  options: ExplainStageOptions,
): Promise<{ findings: Finding[]; stats: ExplainStats }> {
  const stats: ExplainStats = {
    asked: 0,
    explained: 0,
    failed: 0,
    fromBackend: 0,
    notReached: 0,
    model: explainer.model,
    failures: [],
  };
  const eligible = findings.filter(
    (f) => options.reportable(f) && f.verdict.confidence >= options.minConfidence,
  );
  const chosen: Finding[] = [];
  for (const f of eligible.slice(0, options.max)) {
    if (hasBackendExplanation(f)) stats.fromBackend++;
    else chosen.push(f);
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    options.budgetMs === undefined
      ? undefined
      : setTimeout(() => stop.abort(), Math.max(0, options.budgetMs));
  const limit = pLimit(options.concurrency ?? 4);
  const explained = new Map<Finding, Finding>();
  try {
    await Promise.all(
      chosen.map((f) =>
        limit(async () => {
          if (stop.signal.aborted) {
            stats.notReached++;
            return;
          }
          stats.asked++;
          try {
            const explanation = await explainer.explain(f, stop.signal);
            explained.set(f, { ...f, explanation, line: explanation.line });
            stats.explained++;
          } catch (error) {
            if (stop.signal.aborted) {
              // The budget ran out (or the run was cancelled) while it was asked: not a failure of the model.
              stats.asked--;
              stats.notReached++;
              return;
            }
            stats.failed++;
            if (stats.failures.length < 5)
              stats.failures.push(error instanceof Error ? error.message : String(error));
          }
        }),
      ),
    );
  } finally {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { findings: findings.map((f) => explained.get(f) ?? f), stats };
}
