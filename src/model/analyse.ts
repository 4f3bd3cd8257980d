// Many functions through one backend: a bounded pool of concurrent questions (vLLM batches concurrent
// requests, so parallelism is most of the throughput), the verdict cache in front, same-run
// deduplication, an overall time budget and cancellation. Functions can be handed over all at once
// (analyseAll, used by eval) or one by one as they are found (startAnalysis, used by the pipeline so the
// first request leaves while later files are still being read and parsed). Every input gets exactly one
// outcome, in input order: a verdict or the reason it has none, so nothing is silently dropped.
import { createHash } from 'node:crypto';
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
  /**
   * Overall time budget in ms, counted from the first function handed over (when asking can begin): when
   * it runs out, questions in flight are abandoned and no more are asked; functions handed over later
   * are reported as budget-exhausted.
   */
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
  /**
   * startAnalysis: how many functions may be handed over and still lack an outcome before `add` waits
   * (the bounded queue between extraction and the model). Default: four per slot, at least 64.
   */
  queueSize?: number;
}

export type AnalyseOutcome = { verdict: Verdict } | { skipped: { reason: SkipReason; detail: string } };

export const DEFAULT_CONCURRENCY = 8;

/** The cache key of `fn` for this backend: what the backend says its verdict depends on, or language + source. */
export function verdictCacheKey(backend: Backend, fn: FunctionInput): string {
  const source = backend.cacheSource ? backend.cacheSource(fn) : `${fn.lang}\n${fn.source}`;
  return cacheKey(`${backend.name}/${backend.model}`, backend.promptHash, source);
}

const skipped = (reason: SkipReason, detail: string): AnalyseOutcome => ({ skipped: { reason, detail } });

/** A run that takes functions as they are found. */
export interface AnalysisRun {
  /**
   * Hands over the next function (its index is the number handed over before it). Resolves once the
   * queue has room for another, so a producer that awaits it never runs far ahead of the model.
   */
  add(fn: FunctionInput): Promise<void>;
  /** Stops asking, as a cancellation does: what has no outcome yet is reported as not analysed. */
  stop(cause: string): void;
  /** No more functions: resolves with every outcome, in the order the functions were handed over. */
  finish(): Promise<AnalyseOutcome[]>;
}

/**
 * What makes two functions the same question within one run: with a cache, its key (so the second of
 * two whitespace variants is served as the cache would serve it); without, the exact text the backend
 * sees, so identical functions are asked once even with `--no-cache` and nothing else changes.
 */
class SameQuestions<T> {
  private readonly byKey = new Map<string, T>();
  /** Language → source → entry: the source strings the functions already hold, neither copied nor hashed. */
  private readonly bySource = new Map<string, Map<string, T>>();

  constructor(
    private readonly backend: Backend,
    private readonly cached: boolean,
  ) {}

  /** The cache key when there is a cache (undefined otherwise), and the entry already made for `fn`. */
  find(fn: FunctionInput): { key: string | undefined; entry: T | undefined; remember: (entry: T) => void } {
    if (this.cached) {
      const key = verdictCacheKey(this.backend, fn);
      return { key, entry: this.byKey.get(key), remember: (e) => this.byKey.set(key, e) };
    }
    if (this.backend.cacheSource) {
      // A rendered prompt is a new string per function: keep its hash rather than the text.
      const key = createHash('sha256').update(this.backend.cacheSource(fn)).digest('base64');
      return { key: undefined, entry: this.byKey.get(key), remember: (e) => this.byKey.set(key, e) };
    }
    let sources = this.bySource.get(fn.lang);
    if (!sources) {
      sources = new Map();
      this.bySource.set(fn.lang, sources);
    }
    const inLang = sources;
    return { key: undefined, entry: inLang.get(fn.source), remember: (e) => inLang.set(fn.source, e) };
  }
}

export function startAnalysis(backend: Backend, options: AnalyseOptions = {}): AnalysisRun {
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number of at least 1, got ${concurrency}`);
  }
  const queueSize = options.queueSize ?? Math.max(64, 4 * concurrency);
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
  // Started with the first function: before it there is nothing to ask, and the budget is for asking.
  let budgetTimer: NodeJS.Timeout | undefined;
  const startBudget = () => {
    if (budgetMs === undefined || budgetTimer !== undefined) return;
    budgetTimer = setTimeout(() => halt(`the time budget of ${budgetMs / 1000} s ran out`), budgetMs);
  };
  // A backend that ignores the signal still cannot hold the run past the budget.
  const stopped = new Promise<never>((_, reject) => {
    stop.signal.addEventListener('abort', () => reject(stop.signal.reason), { once: true });
  });
  stopped.catch(() => {});

  /** A cached verdict, or undefined (a failed read is a miss, reported through onCacheError). */
  async function lookup(key: string): Promise<Verdict | undefined> {
    if (!cache) return undefined;
    const hit = await cache.get(key).catch((error: unknown) => {
      cacheError(error);
      return undefined;
    });
    return hit ? { ...hit, cached: true } : undefined;
  }

  /** Asks the backend; runs inside the pool, so it holds one of the `concurrency` slots. */
  async function ask(fn: FunctionInput): Promise<AnalyseOutcome> {
    if (stop.signal.aborted) return stopSkip(false);
    if (backend.signalOnlyChecked) return askWith(fn, stop.signal);
    // Each question gets its own signal, relayed from the shared one: the HTTP client adds a listener per
    // request, and those must go away with the question rather than pile up on one long-lived signal.
    const question = new AbortController();
    const relay = () => question.abort(stop.signal.reason);
    stop.signal.addEventListener('abort', relay, { once: true });
    try {
      return await askWith(fn, question.signal);
    } finally {
      stop.signal.removeEventListener('abort', relay);
    }
  }

  /** The question itself, with the signal the backend gets. */
  async function askWith(fn: FunctionInput, questionSignal: AbortSignal): Promise<AnalyseOutcome> {
    try {
      return noteOutcome({ verdict: await Promise.race([backend.analyse(fn, questionSignal), stopped]) });
    } catch (error) {
      if (stop.signal.aborted) return stopSkip(true);
      if (error instanceof TooLongError) return skipped('too-long', error.message);
      return noteOutcome(skipped('backend-error', error instanceof Error ? error.message : String(error)));
    }
  }

  const limit = pLimit(concurrency);
  const outcomes: AnalyseOutcome[] = [];
  const settled: Promise<void>[] = [];
  const writes: Promise<void>[] = [];
  // A function that occurs twice in one run is asked once: the second waits for the first's answer.
  // Served from the cache's key it counts as cached, as the cache would have served it; without a cache
  // it is simply the same answer to the same question.
  const asking = new SameQuestions<Promise<AnalyseOutcome>>(backend, cache !== undefined);

  async function outcomeFor(fn: FunctionInput): Promise<AnalyseOutcome> {
    const { key, entry: sibling, remember } = asking.find(fn);
    if (sibling) {
      const outcome = await sibling;
      if (!('verdict' in outcome)) return outcome;
      return { verdict: cache ? { ...outcome.verdict, cached: true } : { ...outcome.verdict } };
    }
    const pending = (async (): Promise<AnalyseOutcome> => {
      // Cache reads happen outside the pool, so a slot is only ever held by a question to the backend;
      // hits are served even after a stop: they cost no request and no time worth saving.
      const hit = key === undefined ? undefined : await lookup(key);
      if (hit) return { verdict: hit };
      const outcome = await limit(() => ask(fn));
      // Unclassified answers are not kept: they are no answer, and a later run (a fixed server, a server
      // that now gives logprobs, another prompt) deserves to ask again. Writes do not hold a slot.
      if (cache && key !== undefined && 'verdict' in outcome && outcome.verdict.vulnerable !== null) {
        writes.push(cache.set(key, outcome.verdict).catch(cacheError));
      }
      return outcome;
    })();
    remember(pending);
    return pending;
  }

  // The bounded queue: functions handed over whose outcome is not known yet, and producers waiting for
  // room. A full queue lets its producer go again only once it has drained to half, so extraction runs
  // in stretches of many files rather than one function per answer (fewer switches between parsing and
  // the sockets).
  let open = 0;
  const lowWater = Math.floor(queueSize / 2);
  let waiting: (() => void)[] = [];
  let finished = false;

  return {
    add(fn) {
      if (finished) throw new Error('startAnalysis: add() after finish()');
      startBudget();
      const index = outcomes.length;
      outcomes.length = index + 1;
      open++;
      settled.push(
        outcomeFor(fn)
          // Only a throwing cacheSource() gets here; a rejection left for finish() would be unhandled.
          .catch((error: unknown) =>
            skipped('backend-error', error instanceof Error ? error.message : String(error)),
          )
          .then((outcome) => {
            outcomes[index] = outcome;
            open--;
            if (open <= lowWater && waiting.length > 0) {
              const go = waiting;
              waiting = [];
              for (const resume of go) resume();
            }
            options.onResult?.(index, outcome);
          }),
      );
      if (open < queueSize) return Promise.resolve();
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    stop: (cause) => halt(cause),
    async finish() {
      finished = true;
      try {
        await Promise.all(settled);
        await Promise.all(writes);
      } finally {
        if (budgetTimer) clearTimeout(budgetTimer);
        signal?.removeEventListener('abort', onCallerAbort);
      }
      return outcomes;
    },
  };
}

/** Every input's outcome, in input order. */
export async function analyseAll(
  inputs: FunctionInput[],
  backend: Backend,
  options: AnalyseOptions = {},
): Promise<AnalyseOutcome[]> {
  // Handed over all at once, as before: the caller already holds every input, so there is nothing to
  // bound, and the pool and the cache reads see the whole list.
  const run = startAnalysis(backend, { ...options, queueSize: Number.POSITIVE_INFINITY });
  for (const fn of inputs) void run.add(fn);
  return run.finish();
}
