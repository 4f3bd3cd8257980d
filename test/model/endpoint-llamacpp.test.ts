// The endpoint backend against a double of llama.cpp's llama-server built from its source (see
// test/helpers/servers/llamacpp.ts for the files it reproduces).
import { afterEach, describe, expect, it } from 'vitest';
import { analyseAll } from '../../src/model/analyse.ts';
import { TooLongError } from '../../src/model/errors.ts';
import { countsUnboundedCopies } from '../helpers/servers/engine.ts';
import { backendFor, expectBeliefs, graded, longFunction } from '../helpers/servers/fixtures.ts';
import type { ServerDouble } from '../helpers/servers/http-double.ts';
import { type LlamaCppOptions, llamaCppToday, startLlamaCpp } from '../helpers/servers/llamacpp.ts';

let server: ServerDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function llamaCpp(options: Partial<LlamaCppOptions> = {}) {
  server = await startLlamaCpp({ belief: countsUnboundedCopies, ...options });
  return server;
}

const fns = graded.map((g) => g.fn);

describe('llama.cpp server', () => {
  it('gives graded confidences from its n_probs answers (id, token, bytes, logprob)', async () => {
    const server = await llamaCpp();
    const backend = await backendFor(server.url, 'model.gguf');
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
    expect(server.chats().every((r) => r.status === 200 && r.body!.top_logprobs === 5)).toBe(true);
    expect(backend.notices).toEqual([]);
  });

  it('renders Llama-3.1 templates with today\'s date, where a transformers-built training set has "26 Jul 2024"', async () => {
    const server = await llamaCpp();
    await (await backendFor(server.url, 'model.gguf')).analyse(fns[0]!);
    expect(server.chats()[0]!.prompt).toContain(`Today Date: ${llamaCppToday()}\n`);
    expect(server.chats()[0]!.prompt).not.toContain('26 Jul 2024');
  });

  it('counts "request exceeds the available context size" as too-long, sent once', async () => {
    const server = await llamaCpp({ nCtx: 150 });
    const backend = await backendFor(server.url, 'model.gguf');
    const error = await backend.analyse(longFunction('big', 40)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TooLongError);
    expect((error as Error).message).toMatch(
      /too-long: the server refused the input \(400\): request \(\d+ tokens\) exceeds the available context size \(150 tokens\)/,
    );
    expect(server.chats()).toHaveLength(1);
  });

  it('counts the older "larger than the max context size" wording as too-long', async () => {
    const server = await llamaCpp({ nCtx: 150, build: 'before-logprobs' });
    const backend = await backendFor(server.url, 'model.gguf');
    await expect(backend.analyse(longFunction('big', 40))).rejects.toThrow(
      /input \(\d+ tokens\) is larger than the max context size \(150 tokens\)/,
    );
  });

  it('falls back to text answers, once and with a notice, on builds that return no logprobs', async () => {
    const server = await llamaCpp({ build: 'before-logprobs' });
    const notices: string[] = [];
    const backend = await backendFor(server.url, 'model.gguf', { onNotice: (m) => notices.push(m) });
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expect(outcomes.map((o) => 'verdict' in o && o.verdict.confidence)).toEqual([0.25, 0.25, 0.75, 0.75]);
    // The first answer already said No in words; later questions go out without logprobs.
    expect(server.chats()).toHaveLength(4);
    expect(
      server
        .chats()
        .slice(1)
        .every((r) => r.body!.logprobs === undefined),
    ).toBe(true);
    expect(notices).toEqual([expect.stringMatching(/ignores the logprobs parameters .*fixed text values/)]);
    expect(backend.notices).toEqual(notices);
  });
});
