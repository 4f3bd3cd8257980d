// Many functions through one backend: a bounded pool of concurrent questions (vLLM batches concurrent
// requests, so parallelism is most of the throughput), the verdict cache in front, an overall time budget
// and cancellation. Used by the pipeline and by eval. Every input gets exactly one outcome, in input
// order: a verdict or the reason it has none, so nothing is silently dropped.
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { FunctionInput, SkipReason, Verdict } from '../types.ts';
import type { Backend } from './backend.ts';
import { cacheKey, type VerdictCache } from './cache.ts';
import { TooLongError } from './errors.ts';

export interface AnalyseOptions {
  /** Questions in flight at once; default 8. */
  concurrency?: number;
  cache?: VerdictCache;
  /** Overall time budget in ms: when it runs out, questions in flight are abandoned and no more are asked. */
  budgetMs?: number;
  /** Cancels the run: no more questions are asked and those in flight are abandoned. */
  signal?: AbortSignal;
  /** Called as each input gets its outcome (for progress bars); order of calls is completion order. */
  onResult?: (index: number, outcome: AnalyseOutcome) => void;
  /**
   * Stop asking once this many functions in a row failed with a backend error and none succeeded in
   * between (each failure has already been retried by the backend): a down, hanging or misconfigured
   * endpoint would otherwise cost every remaining function its full retries. Default: the concurrency,
   * at least 3. The functions not asked are reported as backend-error skips.
   */
  maxConsecutiveFailures?: number;
  /** A cache read or write failed (the run goes on without it); default: ignored. */
  onCacheError?: (error: Error) => void;
}

export type AnalyseOutcome = { verdict: Verdict } | { skipped: { reason: SkipReason; detail: string } };

export const DEFAULT_CONCURRENCY = 8;

/** The cache key of `fn` for this backend: what the backend says its verdict depends on, or language + source. */
export function verdictCacheKey(backend: Backend, fn: FunctionInput): string {
  const source = backend.cacheSource ? backend.cacheSource(fn) : `${fn.lang}\n${fn.source}`;
  return cacheKey(`${backend.name}/${backend.model}`, backend.promptHash, source);
}

const skipped = (reason: SkipReason, detail: string): AnalyseOutcome => ({ skipped: { reason, detail } });

export async function analyseAll(
  inputs: FunctionInput[],
  backend: Backend,
  options: AnalyseOptions = {},
): Promise<AnalyseOutcome[]> {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  const { cache, budgetMs, signal } = options;
  const cacheError = (error: unknown) => options.onCacheError?.(error as Error);

  // One controller stops everything, whether the budget ran out or the caller cancelled.
  const stop = new AbortController();
  // One relay listener per question in flight (see `ask`), plus the budget race: not a leak.
  setMaxListeners(concurrency + 10, stop.signal);
  let stopCause = '';
  let stopReason: SkipReason = 'budget-exhausted';
  const halt = (cause: string, reason: SkipReason = 'budget-exhausted') => {
    if (stop.signal.aborted) return;
    stopCause = cause;
    stopReason = reason;
    stop.abort(new Error(cause));
  };
  /** Why a function got no verdict after a stop, whether it was waiting or being asked. */
  const stopSkip = (inFlight: boolean) =>
    skipped(stopReason, `${stopCause} ${inFlight ? 'while it was being analysed' : 'before its turn'}`);
  const maxFailures = options.maxConsecutiveFailures ?? Math.max(3, concurrency);
  let failuresInARow = 0;
  /** Counts backend errors since the last verdict and stops the run when there are too many. */
  const noteOutcome = (outcome: AnalyseOutcome) => {
    if ('verdict' in outcome) failuresInARow = 0;
    else if (outcome.skipped.reason === 'backend-error' && ++failuresInARow >= maxFailures) {
      halt(
        `the model failed for ${failuresInARow} functions in a row (last: ${outcome.skipped.detail}), so the run stopped`,
        'backend-error',
      );
    }
    return outcome;
  };
  const onCallerAbort = () => halt('the analysis was cancelled');
  if (signal?.aborted) onCallerAbort();
  signal?.addEventListener('abort', onCallerAbort, { once: true });
  const budgetTimer =
    budgetMs === undefined
      ? undefined
      : setTimeout(() => halt(`the time budget of ${budgetMs / 1000} s ran out`), budgetMs);
  // A backend that ignores the signal still cannot hold the run past the budget.
  const stopped = new Promise<never>((_, reject) => {
    stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true });
  });
  stopped.catch(() => {});

  /** A cached verdict, or undefined (a failed read is a miss, reported through onCacheError). */
  async function lookup(key: string | undefined): Promise<Verdict | undefined> {
    if (!cache || !key) return undefined;
    const hit = await cache.get(key).catch((error: unknown) => {
      cacheError(error);
      return undefined;
    });
    return hit ? { ...hit, cached: true } : undefined;
  }

  /** Asks the backend; runs inside the pool, so it holds one of the `concurrency` slots. */
  async function ask(fn: FunctionInput): Promise<AnalyseOutcome> {
    if (stop.signal.aborted) return stopSkip(false);
    // Each question gets its own signal, relayed from the shared one: the HTTP client adds a listener per
    // request, and those must go away with the question rather than pile up on one long-lived signal.
    const question = new AbortController();
    const relay = () => question.abort(stop.signal.reason);
    stop.signal.addEventListener('abort', relay, { once: true });
    try {
      return noteOutcome({ verdict: await Promise.race([backend.analyse(fn, question.signal), stopped]) });
    } catch (error) {
      if (stop.signal.aborted) return stopSkip(true);
      if (error instanceof TooLongError) return skipped('too-long', error.message);
      return noteOutcome(skipped('backend-error', error instanceof Error ? error.message : String(error)));
    } finally {
      stop.signal.removeEventListener('abort', relay);
    }
  }

  const limit = pLimit(concurrency);
  const outcomes: AnalyseOutcome[] = new Array(inputs.length);
  const writes: Promise<void>[] = [];
  // With a cache, a function that occurs twice in one run (same key) is asked once: the second waits for
  // the first's answer and counts as cached.
  const asking = new Map<string, Promise<AnalyseOutcome>>();

  async function outcomeFor(fn: FunctionInput): Promise<AnalyseOutcome> {
    const key = cache ? verdictCacheKey(backend, fn) : undefined;
    if (!key || !cache) return limit(() => ask(fn));
    const sibling = asking.get(key);
    if (sibling) {
      const outcome = await sibling;
      return 'verdict' in outcome ? { verdict: { ...outcome.verdict, cached: true } } : outcome;
    }
    const pending = (async (): Promise<AnalyseOutcome> => {
      // Cache reads happen outside the pool, so a slot is only ever held by a question to the backend;
      // hits are served even after a stop: they cost no request and no time worth saving.
      const hit = await lookup(key);
      if (hit) return { verdict: hit };
      const outcome = await limit(() => ask(fn));
      // Unclassified answers are not kept: they are no answer, and a later run (a fixed server, a server
      // that now gives logprobs, another prompt) deserves to ask again. Writes do not hold a slot.
      if ('verdict' in outcome && outcome.verdict.vulnerable !== null) {
        writes.push(cache.set(key, outcome.verdict).catch(cacheError));
      }
      return outcome;
    })();
    asking.set(key, pending);
    return pending;
  }

  try {
    await Promise.all(
      inputs.map(async (fn, index) => {
        const outcome = await outcomeFor(fn);
        outcomes[index] = outcome;
        options.onResult?.(index, outcome);
      }),
    );
    await Promise.all(writes);
  } finally {
    if (budgetTimer) clearTimeout(budgetTimer);
    signal?.removeEventListener('abort', onCallerAbort);
  }
  return outcomes;
}
