// The endpoint backend against a double of text-generation-inference built from its source (see
// test/helpers/servers/tgi.ts for the files and lines it reproduces).
import { afterEach, describe, expect, it } from 'vitest';
import { analyseAll } from '../../src/model/analyse.ts';
import { BackendError } from '../../src/model/backend.ts';
import { TooLongError } from '../../src/model/errors.ts';
import { countsUnboundedCopies, responseWithoutNewlineTemplate } from '../helpers/servers/engine.ts';
import { backendFor, expectBeliefs, graded, longFunction } from '../helpers/servers/fixtures.ts';
import type { ServerDouble } from '../helpers/servers/http-double.ts';
import { startTgi, type TgiOptions } from '../helpers/servers/tgi.ts';

const ADAPTER = 'vuln-lora';
let server: ServerDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function tgi(options: TgiOptions = {}) {
  server = await startTgi({ adapters: { [ADAPTER]: countsUnboundedCopies }, ...options });
  return server;
}

async function confidences(backend: Awaited<ReturnType<typeof backendFor>>) {
  const out: number[] = [];
  for (const { fn } of graded) out.push((await backend.analyse(fn)).confidence);
  return out;
}

describe('text-generation-inference', () => {
  it('answers within its default --max-top-n-tokens of 5, and P(yes) follows the model', async () => {
    const server = await tgi();
    const backend = await backendFor(server.url, ADAPTER);
    const got = await confidences(backend);
    expectBeliefs(got);
    expect(server.chats().map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(server.chats()[0]!.body).toMatchObject({
      top_logprobs: 5,
      logprobs: true,
      max_tokens: 4,
      temperature: 0,
    });
    expect(backend.notices).toEqual([]);
  });

  it('asks once more within a lower --max-top-n-tokens that its 422 names, then keeps to it', async () => {
    const server = await tgi({ maxTopNTokens: 2 });
    const backend = await backendFor(server.url, ADAPTER);
    const got = await confidences(backend);
    // Graded confidences, not the fixed text values 0.75 / 0.25 a lost logprobs parameter would leave.
    expect(new Set(got.map((c) => c.toFixed(2))).size).toBe(4);
    expectBeliefs(got);
    const chats = server.chats();
    expect(chats.map((r) => [r.status, r.body!.top_logprobs])).toEqual([
      [422, 5],
      [200, 2],
      [200, 2],
      [200, 2],
      [200, 2],
    ]);
    expect(backend.topLogprobs).toBe(2);
    expect(backend.notices).toEqual([
      expect.stringMatching(/allows at most 2 top_logprobs .*asking for 2 from now on/),
    ]);
  });

  it('with --max-top-n-tokens 0 reads the chosen token alone, still graded', async () => {
    const server = await tgi({ maxTopNTokens: 0 });
    const backend = await backendFor(server.url, ADAPTER);
    const got = await confidences(backend);
    expect(server.chats()[1]!.body!.top_logprobs).toBe(0);
    // The chosen No of the safest function carries 0.85 × 0.9 of the mass: P(yes) = 1 − 0.765.
    expect(got[0]).toBeCloseTo(1 - 0.85 * 0.9, 3);
    expect(got[3]).toBeCloseTo(0.9 * 0.9, 3);
    expect(backend.logprobsSupported).toBe(true);
  });

  it('reads P(yes) at the first word when the model first generates the newline its template left out', async () => {
    const server = await tgi({ template: responseWithoutNewlineTemplate });
    const backend = await backendFor(server.url, ADAPTER);
    const got = await confidences(backend);
    expectBeliefs(got);
    // The trap is real in the double: the first token is the newline, and its alternatives split Yes:No
    // 63:37 for every function, which is what a reader of the first position would have reported.
    expect(server.chats()[0]!.body).toMatchObject({ max_tokens: 4 });
    const answer = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(server.chats()[0]!.body),
    }).then(
      (r) =>
        r.json() as Promise<{
          choices: Array<{
            logprobs: {
              content: Array<{ token: string; top_logprobs: Array<{ token: string; logprob: number }> }>;
            };
          }>;
        }>,
    );
    const position0 = answer.choices[0]!.logprobs.content[0]!;
    expect(position0.token).toBe('\n');
    const share = (t: string) => Math.exp(position0.top_logprobs.find((x) => x.token === t)!.logprob);
    expect(share('Yes') / (share('Yes') + share('No'))).toBeCloseTo(0.63, 6);
  });

  it('counts its `inputs` + `max_new_tokens` refusal as too-long: no text retry, no stop of the run', async () => {
    const server = await tgi({ maxInputTokens: 290, maxTotalTokens: 300 });
    const backend = await backendFor(server.url, ADAPTER);
    const long = Array.from({ length: 5 }, (_, i) => longFunction(`long${i}`, 80));
    const outcomes = await analyseAll([...long, graded[3]!.fn], backend, {
      concurrency: 1,
      maxConsecutiveFailures: 2,
    });
    expect(outcomes.slice(0, 5).map((o) => ('skipped' in o ? o.skipped.reason : 'verdict'))).toEqual(
      Array(5).fill('too-long'),
    );
    expect('skipped' in outcomes[0]! && outcomes[0].skipped.detail).toMatch(
      /too-long: the server refused the input \(422\): Input validation error: `inputs` tokens \+ `max_new_tokens` must be <= 300/,
    );
    expect('verdict' in outcomes[5]! && outcomes[5].verdict.vulnerable).toBe(true);
    // One request per function: nothing re-sent as a text question, nothing retried.
    expect(server.chats()).toHaveLength(6);
    expect(server.chats().every((r) => r.body!.logprobs === true)).toBe(true);
  });

  it('counts its `inputs` must have less than N tokens refusal as too-long', async () => {
    const server = await tgi({ maxInputTokens: 100, maxTotalTokens: 4096 });
    const backend = await backendFor(server.url, ADAPTER);
    const error = await backend.analyse(longFunction('big', 40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLongError);
    expect((error as Error).message).toMatch(/`inputs` must have less than 100 tokens\. Given: \d+/);
    expect(server.chats()).toHaveLength(1);
  });

  it('retries its 424 (generation failed, e.g. out of GPU memory) and then answers', async () => {
    const server = await tgi({ failGenerations: 2 });
    const backend = await backendFor(server.url, ADAPTER);
    expect((await backend.analyse(graded[2]!.fn)).confidence).toBeCloseTo(0.65, 1);
    expect(server.chats().map((r) => r.status)).toEqual([424, 424, 200]);
  });

  it('reports a 424 that persists as a retryable backend error', async () => {
    const server = await tgi({ failGenerations: 10 });
    const backend = await backendFor(server.url, ADAPTER, { maxRetries: 1 });
    const error = (await backend.analyse(graded[0]!.fn).catch((e: unknown) => e)) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(
      /HTTP 424: Request failed during generation: .*CUDA out of memory.*after 2 attempts/,
    );
  });

  it('takes the model name as the LoRA adapter id, and silently answers from the base model for any other', async () => {
    const server = await tgi();
    const tuned = await backendFor(server.url, ADAPTER);
    expect((await tuned.analyse(graded[3]!.fn)).vulnerable).toBe(true);
    // The id /v1/models lists is the base model's: used as --model it names no adapter, and TGI answers from
    // the base model with a 200. Nothing in the answer says so; the verdicts just stop meaning anything.
    const listed = (await (await fetch(`${server.url}/models`)).json()) as { data: Array<{ id: string }> };
    const base = await backendFor(server.url, listed.data[0]!.id);
    const verdict = await base.analyse(graded[3]!.fn);
    expect(verdict.vulnerable).toBeNull();
    expect(server.chats().every((r) => r.status === 200)).toBe(true);
  });
});
