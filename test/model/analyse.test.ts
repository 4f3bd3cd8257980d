import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AnalyseOutcome, analyseAll } from '../../src/model/analyse.ts';
import { type Backend, BackendError } from '../../src/model/backend.ts';
import { FileVerdictCache, MemoryVerdictCache } from '../../src/model/cache.ts';
import { createEndpointBackend } from '../../src/model/endpoint.ts';
import { TooLongError } from '../../src/model/errors.ts';
import { PD1 } from '../../src/model/prompts.ts';
import type { FunctionInput, Verdict } from '../../src/types.ts';
import {
  answer,
  codeOf,
  type ModelServer,
  type ModelServerOptions,
  startModelServer,
} from '../helpers/model-server.ts';

const inputs = (n: number): FunctionInput[] =>
  Array.from({ length: n }, (_, i) => ({
    source: `int f${i}(char *p) { return p[${i}]; }`,
    lang: 'c' as const,
  }));

let server: ModelServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function endpoint(options: ModelServerOptions, timeoutMs = 2_000) {
  server = await startModelServer(options);
  const backend = await createEndpointBackend({
    baseUrl: server.url,
    model: 'm',
    prompt: PD1,
    timeoutMs,
    maxRetries: 0,
  });
  return { server, backend };
}

const verdictOf = (o: AnalyseOutcome | undefined) => (o && 'verdict' in o ? o.verdict : undefined);
const skipOf = (o: AnalyseOutcome | undefined) => (o && 'skipped' in o ? o.skipped : undefined);

describe('analyseAll against the loopback server', () => {
  it('keeps the input order and never has more than N requests in flight', async () => {
    // Odd-numbered functions are "vulnerable": the answer depends on the code, so order can be checked.
    const { server, backend } = await endpoint({
      latencyMs: 20,
      reply: ({ body }) => answer(/f\d*[13579]\(/.test(codeOf(body)) ? 'Yes' : 'No'),
    });
    const outcomes = await analyseAll(inputs(24), backend, { concurrency: 3 });
    expect(outcomes.map((o) => verdictOf(o)?.vulnerable)).toEqual(
      Array.from({ length: 24 }, (_, i) => i % 2 === 1),
    );
    expect(server.chatRequests()).toHaveLength(24);
    expect(server.maxInFlight).toBe(3);
  });

  it('asks nothing on a second run over the same functions (file cache)', async () => {
    const { server, backend } = await endpoint({ reply: () => answer('Yes', { pYes: 0.7 }) });
    dir = await mkdtemp(join(tmpdir(), 'vulnreview-analyse-'));
    const first = await analyseAll(inputs(10), backend, { cache: new FileVerdictCache(dir) });
    expect(server.chatRequests()).toHaveLength(10);
    expect(first.every((o) => verdictOf(o)?.cached === undefined)).toBe(true);

    server.reset();
    const second = await analyseAll(inputs(10), backend, { cache: new FileVerdictCache(dir) });
    expect(server.chatRequests()).toHaveLength(0);
    expect(second.map((o) => verdictOf(o))).toEqual(first.map((o) => ({ ...verdictOf(o), cached: true })));

    // A changed function is asked again; the others still come from the cache.
    server.reset();
    const changed = inputs(10);
    changed[4] = { ...changed[4]!, source: changed[4]!.source.replace('return', 'return 1 +') };
    const third = await analyseAll(changed, backend, { cache: new FileVerdictCache(dir) });
    expect(server.chatRequests()).toHaveLength(1);
    expect(third.filter((o) => verdictOf(o)?.cached).length).toBe(9);
  });

  it('asks once for a function that occurs twice in one run (with a cache)', async () => {
    const { server, backend } = await endpoint({ latencyMs: 20, reply: () => answer('Yes') });
    const twice = [...inputs(3), ...inputs(3)];
    const outcomes = await analyseAll(twice, backend, { cache: new MemoryVerdictCache() });
    expect(server.chatRequests()).toHaveLength(3);
    expect(outcomes.map((o) => verdictOf(o)?.cached === true)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('counts prose answers as unclassified, and asks again next time rather than caching them', async () => {
    const { server, backend } = await endpoint({
      logprobs: 'off',
      reply: () => answer('Hard to say without context.'),
    });
    const cache = new MemoryVerdictCache();
    const outcomes = await analyseAll(inputs(3), backend, { cache });
    expect(outcomes.map((o) => verdictOf(o)?.vulnerable)).toEqual([null, null, null]);
    expect(cache.size).toBe(0);
    server.reset();
    await analyseAll(inputs(3), backend, { cache });
    expect(server.chatRequests().length).toBeGreaterThanOrEqual(3);
  });

  it('turns a dead endpoint into backend-error skips', async () => {
    const { backend } = await endpoint({ reply: () => ({ kind: 'hang' }) }, 100);
    const outcomes = await analyseAll(inputs(2), backend);
    expect(outcomes.map((o) => skipOf(o)?.reason)).toEqual(['backend-error', 'backend-error']);
    expect(skipOf(outcomes[0])?.detail).toMatch(/timeout/);
  });

  it('stops asking a hanging endpoint after a run of failures, and says why for every function', async () => {
    const { server, backend } = await endpoint({ reply: () => ({ kind: 'hang' }) }, 100);
    const outcomes = await analyseAll(inputs(30), backend, { concurrency: 2 });
    const skips = outcomes.map((o) => skipOf(o));
    expect(skips.map((s) => s?.reason)).toEqual(Array(30).fill('backend-error'));
    // Three failures in a row (at least 3, concurrency 2) trip it; one more question may be in flight.
    expect(server.chatRequests().length).toBeLessThanOrEqual(4);
    expect(skips[29]?.detail).toMatch(
      /^the model failed for 3 functions in a row \(last: .*timeout.*\), so the run stopped before its turn$/,
    );
  });

  it('stops at the time budget: in-flight and waiting functions are budget-exhausted', async () => {
    const { server, backend } = await endpoint({ latencyMs: 5_000, reply: () => answer('Yes') }, 10_000);
    const outcomes = await analyseAll(inputs(5), backend, { concurrency: 2, budgetMs: 150 });
    const skips = outcomes.map((o) => skipOf(o));
    expect(skips.map((s) => s?.reason)).toEqual(Array(5).fill('budget-exhausted'));
    expect(skips[0]?.detail).toMatch(/ran out while it was being analysed/);
    expect(skips[4]?.detail).toMatch(/ran out before its turn/);
    expect(server.chatRequests()).toHaveLength(2);
  });
});

// A scripted stand-in for the mapping rules that need no HTTP at all.
function scripted(script: (fn: FunctionInput) => Promise<Verdict>): Backend {
  return { name: 'rules', model: 'scripted', promptHash: 'h', analyse: script };
}
const yes: Verdict = {
  vulnerable: true,
  confidence: 1,
  rawAnswer: 'r',
  backend: 'rules',
  model: 'scripted',
  promptHash: 'h',
};

describe('analyseAll outcome mapping', () => {
  it('maps too-long and backend errors, and reports every result once', async () => {
    const backend = scripted(async (fn) => {
      if (fn.source.includes('f1(')) throw new TooLongError('too-long: about 9000 tokens');
      if (fn.source.includes('f2(')) throw new BackendError('endpoint x: HTTP 500', true);
      if (fn.source.includes('f3(')) throw new TypeError('unexpected');
      return yes;
    });
    const seen: number[] = [];
    const outcomes = await analyseAll(inputs(4), backend, { onResult: (i) => seen.push(i) });
    expect(outcomes).toEqual([
      { verdict: yes },
      { skipped: { reason: 'too-long', detail: 'too-long: about 9000 tokens' } },
      { skipped: { reason: 'backend-error', detail: 'endpoint x: HTTP 500' } },
      { skipped: { reason: 'backend-error', detail: 'unexpected' } },
    ]);
    expect(seen.sort()).toEqual([0, 1, 2, 3]);
  });

  it('keeps asking while failures are interleaved with answers', async () => {
    let asked = 0;
    const backend = scripted(async (fn) => {
      asked++;
      if (/f\d*[13579]\(/.test(fn.source)) throw new BackendError('endpoint x: HTTP 500', true);
      return yes;
    });
    const outcomes = await analyseAll(inputs(20), backend, { concurrency: 1, maxConsecutiveFailures: 2 });
    expect(asked).toBe(20);
    expect(outcomes.filter((o) => 'verdict' in o)).toHaveLength(10);
  });

  it('asks nothing once cancelled, but still serves cache hits', async () => {
    let asked = 0;
    const backend = scripted(async () => {
      asked++;
      return yes;
    });
    const cache = new MemoryVerdictCache();
    await analyseAll(inputs(1), backend, { cache });
    const controller = new AbortController();
    controller.abort();
    const outcomes = await analyseAll(inputs(3), backend, { cache, signal: controller.signal });
    expect(asked).toBe(1);
    expect(verdictOf(outcomes[0])?.cached).toBe(true);
    expect(skipOf(outcomes[1])).toEqual({
      reason: 'budget-exhausted',
      detail: 'the analysis was cancelled before its turn',
    });
  });

  it('does not wait for a backend that ignores the abort signal', async () => {
    const backend = scripted(() => new Promise<Verdict>(() => {}));
    const outcomes = await analyseAll(inputs(2), backend, { budgetMs: 50 });
    expect(outcomes.map((o) => skipOf(o)?.reason)).toEqual(['budget-exhausted', 'budget-exhausted']);
  });

  it('hands a backend that only checks the signal the run’s own, and still stops it at the budget', async () => {
    // Without the flag every question gets a signal of its own (listeners an HTTP client adds go away
    // with it); with it the run's signal serves every question, and outcomes are the same.
    const seen = (signalOnlyChecked: boolean) => {
      const signals: AbortSignal[] = [];
      const backend: Backend = {
        ...scripted(async () => yes),
        ...(signalOnlyChecked ? { signalOnlyChecked } : {}),
        analyse: async (_fn, signal) => {
          signals.push(signal!);
          signal!.throwIfAborted();
          return yes;
        },
      };
      return { backend, signals };
    };
    const fresh = seen(false);
    const shared = seen(true);
    const [a, b] = await Promise.all([
      analyseAll(inputs(6), fresh.backend, { concurrency: 2 }),
      analyseAll(inputs(6), shared.backend, { concurrency: 2 }),
    ]);
    expect(b).toEqual(a);
    expect(new Set(fresh.signals).size).toBe(6);
    expect(new Set(shared.signals).size).toBe(1);
    // the shared signal is the run's: the budget still ends a question in flight
    const hanging: Backend = { ...scripted(() => new Promise<Verdict>(() => {})), signalOnlyChecked: true };
    const outcomes = await analyseAll(inputs(2), hanging, { budgetMs: 50 });
    expect(outcomes.map((o) => skipOf(o)?.reason)).toEqual(['budget-exhausted', 'budget-exhausted']);
    // and errors map as for any backend
    const failing: Backend = {
      ...scripted(async () => {
        throw new BackendError('broken', false);
      }),
      signalOnlyChecked: true,
    };
    const failed = await analyseAll(inputs(1), failing, {});
    expect(skipOf(failed[0])).toEqual({ reason: 'backend-error', detail: 'broken' });
  });

  it('goes on without the cache when it fails, and says so', async () => {
    const errors: string[] = [];
    const broken = {
      get: async () => {
        throw new Error('disk gone');
      },
      set: async () => {
        throw new Error('disk full');
      },
    };
    const outcomes = await analyseAll(
      inputs(1),
      scripted(async () => yes),
      {
        cache: broken,
        onCacheError: (e) => errors.push(e.message),
      },
    );
    expect(outcomes).toEqual([{ verdict: yes }]);
    expect(errors).toEqual(['disk gone', 'disk full']);
  });

  it('rejects a nonsensical concurrency', async () => {
    await expect(
      analyseAll(
        [],
        scripted(async () => yes),
        { concurrency: 0 },
      ),
    ).rejects.toThrow(/at least 1/);
  });
});
