// The endpoint backend against a double of Ollama's OpenAI compatibility layer built from its source (see
// test/helpers/servers/ollama.ts for the files it reproduces).
import { afterEach, describe, expect, it } from 'vitest';
import { analyseAll } from '../../src/model/analyse.ts';
import { countsUnboundedCopies } from '../helpers/servers/engine.ts';
import { backendFor, expectBeliefs, graded, longFunction } from '../helpers/servers/fixtures.ts';
import type { ServerDouble } from '../helpers/servers/http-double.ts';
import { type OllamaDouble, type OllamaOptions, startOllama } from '../helpers/servers/ollama.ts';

let server: (ServerDouble & OllamaDouble) | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function ollama(options: Partial<OllamaOptions> = {}) {
  server = await startOllama({ belief: countsUnboundedCopies, ...options });
  return server;
}

const fns = graded.map((g) => g.fn);

describe('Ollama', () => {
  it('gives graded confidences on v0.12.11 and later', async () => {
    const server = await ollama();
    const backend = await backendFor(server.url, 'vuln-llama3');
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expectBeliefs(outcomes.map((o) => ('verdict' in o ? o.verdict.confidence : Number.NaN)));
    expect(backend.notices).toEqual([]);
  });

  it('asks again within its ceiling of 20 when asked for more', async () => {
    const server = await ollama();
    const backend = await backendFor(server.url, 'vuln-llama3', { topLogprobs: 25 });
    expect((await backend.analyse(fns[3]!)).confidence).toBeCloseTo(0.9, 1);
    expect(server.chats().map((r) => [r.status, r.body!.top_logprobs])).toEqual([
      [400, 25],
      [200, 20],
    ]);
    expect(backend.topLogprobs).toBe(20);
  });

  it('falls back to text answers, with a notice, on versions that drop the logprobs fields', async () => {
    const server = await ollama({ version: 'older' });
    const backend = await backendFor(server.url, 'vuln-llama3');
    const outcomes = await analyseAll(fns, backend, { concurrency: 1 });
    expect(outcomes.map((o) => 'verdict' in o && o.verdict.confidence)).toEqual([0.25, 0.25, 0.75, 0.75]);
    expect(backend.notices).toEqual([expect.stringMatching(/ignores the logprobs parameters/)]);
  });

  it('silently cuts the middle of a prompt longer than its context: only a larger num_ctx helps', async () => {
    // The unbounded copies sit early in a long function; with the default 4k context the server keeps the
    // first 4 tokens and the last ones, drops what lies between, answers 200, and the model never sees them.
    const fn = longFunction('parse_header', 1000, 'strcpy(hdr->name, line); strcat(hdr->name, tail);', 50);
    const small = await ollama({ numCtx: 4096 });
    const cut = await (await backendFor(small.url, 'vuln-llama3')).analyse(fn);
    expect(cut.vulnerable).toBe(false);
    expect(cut.confidence).toBeCloseTo(0.15, 1);
    expect(small.chats()[0]!.status).toBe(200);
    expect(small.warnings).toEqual([
      expect.stringMatching(/truncating input prompt" limit=4096 prompt=\d+ keep=4 new=4096/),
    ]);
    await small.close();

    const large = await ollama({ numCtx: 16384 });
    const whole = await (await backendFor(large.url, 'vuln-llama3')).analyse(fn);
    expect(whole.vulnerable).toBe(true);
    expect(whole.confidence).toBeCloseTo(0.65, 1);
    expect(large.warnings).toEqual([]);
  });
});
