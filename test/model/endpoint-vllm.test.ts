// The endpoint backend against a double of vLLM's OpenAI-compatible server built from its source (see
// test/helpers/servers/vllm.ts for the files it reproduces).
import { afterEach, describe, expect, it } from 'vitest';
import { analyseAll } from '../../src/model/analyse.ts';
import { BackendError } from '../../src/model/backend.ts';
import { TooLongError } from '../../src/model/errors.ts';
import { countsUnboundedCopies } from '../helpers/servers/engine.ts';
import { backendFor, expectBeliefs, graded, longFunction } from '../helpers/servers/fixtures.ts';
import type { ServerDouble } from '../helpers/servers/http-double.ts';
import { startVllm, type VllmOptions } from '../helpers/servers/vllm.ts';

const LORA = 'vuln-lora';
let server: ServerDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function vllm(options: VllmOptions = {}) {
  server = await startVllm({ loras: { [LORA]: countsUnboundedCopies }, ...options });
  return server;
}

const fns = graded.map((g) => g.fn);

describe('vLLM', () => {
  it('serves the LoRA adapter by its --lora-modules name with graded confidences', async () => {
    const server = await vllm();
    const backend = await backendFor(server.url, LORA);
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
    expect(server.chats()).toHaveLength(4);
    expect(backend.notices).toEqual([]);
  });

  it('asks once more within a --max-logprobs lower than 5 that its 400 names, then keeps to it', async () => {
    const server = await vllm({ maxLogprobs: 3 });
    const backend = await backendFor(server.url, LORA);
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
    expect(server.chats().map((r) => [r.status, r.body!.top_logprobs])).toEqual([
      [400, 5],
      [200, 3],
      [200, 3],
      [200, 3],
      [200, 3],
    ]);
    expect(backend.notices).toEqual([expect.stringMatching(/allows at most 3 top_logprobs/)]);
  });

  it('recognises --return-tokens-as-token-ids once per run and asks for text tokens from then on', async () => {
    const server = await vllm({ returnTokensAsTokenIds: true });
    const backend = await backendFor(server.url, LORA);
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
    // One extra request in the whole run (the first answer, asked again), not one per function.
    const chats = server.chats();
    expect(chats).toHaveLength(fns.length + 1);
    expect(chats[0]!.body!.return_tokens_as_token_ids).toBeUndefined();
    expect(chats.slice(1).every((r) => r.body!.return_tokens_as_token_ids === false)).toBe(true);
    expect(backend.notices).toEqual([
      expect.stringMatching(/token_id:N .*return_tokens_as_token_ids: false/),
    ]);
  });

  it('asks again at most once per question already in flight when token ids are first seen', async () => {
    const server = await vllm({ returnTokensAsTokenIds: true });
    const backend = await backendFor(server.url, LORA);
    const many = Array.from({ length: 12 }, (_, i) => ({ ...fns[i % 4]!, name: `f${i}` }));
    const outcomes = await analyseAll(many, backend, { concurrency: 4 });
    expect(outcomes.every((o) => 'verdict' in o)).toBe(true);
    expect(server.chats().length).toBeLessThanOrEqual(many.length + 4);
  });

  it('reads the answers as text, without doubling requests, when the switch is ignored', async () => {
    const server = await vllm({ returnTokensAsTokenIds: true, perRequestTokenIdSwitch: false });
    const backend = await backendFor(server.url, LORA);
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expect(outcomes.map((o) => 'verdict' in o && o.verdict.vulnerable)).toEqual([false, false, true, true]);
    expect(outcomes.map((o) => 'verdict' in o && o.verdict.confidence)).toEqual([0.25, 0.25, 0.75, 0.75]);
    // The first function: ids, asked again, ids again → its own text. Then one text request per function.
    expect(server.chats()).toHaveLength(2 + (fns.length - 1));
    expect(
      server
        .chats()
        .slice(2)
        .every((r) => r.body!.logprobs === undefined),
    ).toBe(true);
    expect(backend.logprobsSupported).toBe(false);
    expect(backend.notices).toHaveLength(2);
    expect(backend.notices[1]).toMatch(
      /even when asked not to .*fixed text values 0.75 \(yes\) \/ 0.25 \(no\)/,
    );
  });

  it("counts the serving layer's context refusal as too-long, sent once", async () => {
    const server = await vllm({ maxModelLen: 200 });
    const backend = await backendFor(server.url, LORA);
    const error = await backend.analyse(longFunction('big', 60)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLongError);
    expect((error as Error).message).toMatch(
      /This model's maximum context length is 200 tokens\. However, your request has \d+ input tokens/,
    );
    expect(server.chats()).toHaveLength(1);
  });

  it('counts a prompt that leaves no room for max_tokens as too-long', async () => {
    // Measure the prompt on a roomy server, then serve a context two tokens longer than it.
    const roomy = await vllm();
    await (await backendFor(roomy.url, LORA)).analyse(fns[1]!);
    const promptTokens = (await fetch(`${roomy.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(roomy.chats()[0]!.body),
    }).then((r) => r.json())) as { usage: { prompt_tokens: number } };
    await roomy.close();
    const tight = await vllm({ maxModelLen: promptTokens.usage.prompt_tokens + 2 });
    const backend = await backendFor(tight.url, LORA);
    await expect(backend.analyse(fns[1]!)).rejects.toThrow(
      /too-long: .*'max_tokens' or 'max_completion_tokens' is too large: 4\. This model's maximum context length/,
    );
    expect(tight.chats()).toHaveLength(1);
  });

  it("counts the engine's 'longer than the maximum model length' refusal as too-long", async () => {
    const server = await vllm({ maxModelLen: 200, contextCheck: 'engine' });
    const backend = await backendFor(server.url, LORA);
    await expect(backend.analyse(longFunction('big', 60))).rejects.toThrow(
      /too-long: .*The decoder prompt \(length \d+\) is longer than the maximum model length of 200/,
    );
    expect(server.chats()).toHaveLength(1);
  });

  it('does not retry an adapter name it does not serve, and says what to check', async () => {
    const server = await vllm();
    const backend = await backendFor(server.url, 'vuln-lora-typo');
    const error = (await backend.analyse(fns[0]!).catch((e: unknown) => e)) as BackendError;
    expect(error).toBeInstanceOf(BackendError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(
      /not found \(404\): The model `vuln-lora-typo` does not exist\..*check the model name/,
    );
    expect(server.chats()).toHaveLength(1);
  });
});
