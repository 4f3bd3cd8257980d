// The endpoint backend against a double of the OpenAI chat-completions API (see
// test/helpers/servers/openai.ts for what it reproduces and from where).
import { afterEach, describe, expect, it } from 'vitest';
import { analyseAll } from '../../src/model/analyse.ts';
import { TooLongError } from '../../src/model/errors.ts';
import { countsUnboundedCopies } from '../helpers/servers/engine.ts';
import { backendFor, expectBeliefs, graded, longFunction } from '../helpers/servers/fixtures.ts';
import type { ServerDouble } from '../helpers/servers/http-double.ts';
import { type OpenAiOptions, startOpenAi } from '../helpers/servers/openai.ts';

let server: ServerDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function openai(options: Partial<OpenAiOptions> = {}) {
  server = await startOpenAi({ belief: countsUnboundedCopies, ...options });
  return server;
}

const fns = graded.map((g) => g.fn);
const KEY = 'sk-proj-0123456789abcdefghij';

describe('OpenAI API', () => {
  it('gives graded confidences for a fine-tuned model, the key sent as a bearer token', async () => {
    const server = await openai({ apiKey: KEY });
    const backend = await backendFor(server.url, 'ft:gpt-4o-mini:org::abc', { apiKey: KEY });
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
  });

  it('asks again within 20 when its 400 says top_logprobs is above the maximum', async () => {
    const server = await openai();
    const backend = await backendFor(server.url, 'ft:gpt-4o-mini:org::abc', { topLogprobs: 25 });
    expect((await backend.analyse(fns[2]!)).confidence).toBeCloseTo(0.65, 1);
    expect(server.chats().map((r) => [r.status, r.body!.top_logprobs])).toEqual([
      [400, 25],
      [200, 20],
    ]);
  });

  it('counts context_length_exceeded as too-long, sent once', async () => {
    const server = await openai({ contextWindow: 300 });
    const backend = await backendFor(server.url, 'ft:gpt-4o-mini:org::abc');
    const error = await backend.analyse(longFunction('big', 60)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLongError);
    expect((error as Error).message).toMatch(/This model's maximum context length is 300 tokens/);
    expect(server.chats()).toHaveLength(1);
  });

  it('falls back to text answers, with a notice, for a model that refuses logprobs', async () => {
    const server = await openai({ logprobs: false });
    const backend = await backendFor(server.url, 'o-model');
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expect(outcomes.map((o) => 'verdict' in o && o.verdict.confidence)).toEqual([0.25, 0.25, 0.75, 0.75]);
    expect(server.chats().map((r) => r.status)).toEqual([400, 200, 200, 200, 200]);
    expect(backend.notices).toEqual([
      expect.stringMatching(
        /refused the logprobs parameters .*does not support the 'logprobs' parameter.*fixed text values/,
      ),
    ]);
  });
});
