// Throughput of the endpoint backend + analyser: 1,000 functions against the loopback model server with a
// fixed 50 ms per request and 16 in flight. Prints wall time ÷ ideal (1,000 × 50 ms ÷ 16 = 3.125 s;
// target ≤ 1.15), then the requests made by a second run over the same functions with the file cache
// (target 0). The server runs on its own thread, as a real endpoint runs elsewhere: only the client's
// work is measured. Notes in bench/model.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseAll } from '../src/model/analyse.ts';
import { FileVerdictCache } from '../src/model/cache.ts';
import { createEndpointBackend, DEFAULTS } from '../src/model/endpoint.ts';
import { endpointUrl, JsonHttpClient } from '../src/model/http.ts';
import { PD1 } from '../src/model/prompts.ts';
import type { FunctionInput } from '../src/types.ts';
import { startModelServerThread, type ThreadedModelServer } from '../test/helpers/model-server.ts';

const FUNCTIONS = 1_000;
const WARM_UP = 100;
const LATENCY_MS = 50;
const IN_FLIGHT = 16;
const TARGET_RATIO = 1.15;

function functions(count: number, prefix: string): FunctionInput[] {
  return Array.from({ length: count }, (_, i) => ({
    lang: 'c' as const,
    name: `${prefix}_${i}`,
    source: `static int ${prefix}_${i}(const char *in, size_t n) {\n  char buf[${16 + (i % 64)}];\n  if (n >= sizeof buf) return -1;\n  memcpy(buf, in, n);\n  return buf[0] == '${i % 10}';\n}`,
  }));
}

const TRANSPORT_REQUESTS = 2_000;

/** CPU ms per request (client and server threads) for `send`, 16 in flight, against a zero-latency server. */
async function transportCost(server: ThreadedModelServer, send: () => Promise<unknown>): Promise<number> {
  const run = async (count: number) => {
    let next = 0;
    const worker = async () => {
      while (next++ < count) await send();
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  await run(200);
  const before = process.cpuUsage();
  await run(TRANSPORT_REQUESTS);
  const cpu = process.cpuUsage(before);
  await server.reset();
  return (cpu.user + cpu.system) / 1000 / TRANSPORT_REQUESTS;
}

/** Why the endpoint client is node:http and not fetch (the `openai` package's transport): see docs/model.md. */
async function compareTransports(): Promise<void> {
  const server = await startModelServerThread({ latencyMs: 0 });
  const client = new JsonHttpClient();
  try {
    const url = endpointUrl(server.url, 'chat/completions');
    const body = JSON.stringify({
      model: 'bench-model',
      messages: [
        {
          role: 'user',
          content:
            'Is this code vulnerable? Answer in only Yes or No.\n\n```c\nint f(void) { return 0; }\n```',
        },
      ],
      temperature: 0,
      // The request shape the endpoint backend sends (src/model/endpoint.ts DEFAULTS).
      max_tokens: DEFAULTS.answerTokens,
      logprobs: true,
      top_logprobs: DEFAULTS.topLogprobs,
    });
    const headers = { 'content-type': 'application/json' };
    const viaHttp = () =>
      client
        .request(url, { method: 'POST', headers: {}, body, timeoutMs: 10_000 })
        .then((r) => JSON.parse(r.body));
    const viaFetch = () => fetch(url, { method: 'POST', headers, body }).then((r) => r.json());
    const http = await transportCost(server, viaHttp);
    const fetched = await transportCost(server, viaFetch);
    console.log(
      `transport, ${TRANSPORT_REQUESTS} requests, ${IN_FLIGHT} in flight, zero latency: node:http ${http.toFixed(2)} ms CPU per request, fetch ${fetched.toFixed(2)} ms; fetch/http ${(fetched / http).toFixed(2)}`,
    );
  } finally {
    client.close();
    await server.close();
  }
}

export default async function (): Promise<void> {
  await compareTransports();

  // 'Yes' for one function in ten, so both answers and both logprob shapes are exercised.
  const server = await startModelServerThread({ latencyMs: LATENCY_MS, yesWhenCodeMatches: "== '7'" });
  const dir = await mkdtemp(join(tmpdir(), 'vulnreview-bench-model-'));
  try {
    const backend = await createEndpointBackend({ baseUrl: server.url, model: 'bench-model', prompt: PD1 });
    const inputs = functions(FUNCTIONS, 'handler');
    // Warm-up on other functions (JIT, keep-alive sockets), so the figure is the steady state.
    await analyseAll(functions(WARM_UP, 'warm'), backend, { concurrency: IN_FLIGHT });
    await server.reset();

    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const first = await analyseAll(inputs, backend, {
      concurrency: IN_FLIGHT,
      cache: new FileVerdictCache(dir),
    });
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const stats = await server.stats();
    const idealMs = (FUNCTIONS * LATENCY_MS) / IN_FLIGHT;
    const verdicts = first.filter((o) => 'verdict' in o);
    const yes = verdicts.filter((o) => 'verdict' in o && o.verdict.vulnerable).length;
    const ratio = wallMs / idealMs;
    console.log(
      `first run: ${FUNCTIONS} functions, ${LATENCY_MS} ms per request, ${IN_FLIGHT} in flight, file cache`,
    );
    console.log(
      `  verdicts ${verdicts.length}/${FUNCTIONS} (${yes} vulnerable), requests ${stats.chatRequests}, most in flight at the server ${stats.maxInFlight}`,
    );
    console.log(
      `  wall ${(wallMs / 1000).toFixed(3)} s, ideal ${(idealMs / 1000).toFixed(3)} s, process CPU ${((cpu.user + cpu.system) / FUNCTIONS / 1000).toFixed(2)} ms per function (client and server threads), load average ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `  ratio wall/ideal ${ratio.toFixed(3)} (target ≤ ${TARGET_RATIO}) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER'}`,
    );

    await server.reset();
    const secondStart = performance.now();
    const second = await analyseAll(inputs, backend, {
      concurrency: IN_FLIGHT,
      cache: new FileVerdictCache(dir),
    });
    const secondMs = performance.now() - secondStart;
    const cached = second.filter((o) => 'verdict' in o && o.verdict.cached).length;
    const requests = (await server.stats()).chatRequests;
    console.log(
      `second run, same functions, file cache: requests ${requests} (target 0) ${requests === 0 ? 'OK' : 'OVER'}, cached verdicts ${cached}/${FUNCTIONS}, wall ${(secondMs / 1000).toFixed(3)} s`,
    );
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
