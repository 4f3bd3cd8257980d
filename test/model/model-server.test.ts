// The loopback model server is itself a test instrument: check it speaks the API shapes others rely on.
import { afterEach, describe, expect, it } from 'vitest';
import {
  answer,
  type ModelServer,
  sequence,
  startModelServer,
  startModelServerThread,
  status,
} from '../helpers/model-server.ts';

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const post = (url: string, body: unknown) =>
  fetch(`${url}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('startModelServer', () => {
  it('answers in the OpenAI shape, truncated to max_tokens, with top logprobs when asked', async () => {
    server = await startModelServer({ reply: () => answer('Yes: CWE-120', { pYes: 0.7 }) });
    const response = await post(server.url, {
      model: 'm',
      messages: [],
      max_tokens: 1,
      logprobs: true,
      top_logprobs: 3,
    });
    const json = (await response.json()) as {
      choices: Array<{
        message: { content: string };
        finish_reason: string;
        logprobs: {
          content: Array<{ token: string; top_logprobs: Array<{ token: string; logprob: number }> }>;
        };
      }>;
    };
    const choice = json.choices[0]!;
    expect(choice.message.content).toBe('Yes');
    expect(choice.finish_reason).toBe('length');
    const top = choice.logprobs.content[0]!.top_logprobs;
    expect(top.map((t) => t.token)).toEqual(['Yes', 'No', ' yes']);
    expect(Math.exp(top[0]!.logprob)).toBeCloseTo(0.56, 6);
  });

  it('leaves logprobs out when they are off, and refuses them when told to', async () => {
    server = await startModelServer({ logprobs: 'off' });
    const off = (await (await post(server.url, { messages: [], logprobs: true })).json()) as {
      choices: Array<{ logprobs: unknown }>;
    };
    expect(off.choices[0]!.logprobs).toBeNull();
    await server.close();
    server = await startModelServer({ logprobs: 'reject' });
    expect((await post(server.url, { messages: [], logprobs: true })).status).toBe(400);
    expect((await post(server.url, { messages: [] })).status).toBe(200);
  });

  it('plays a sequence of faults and logs each request', async () => {
    server = await startModelServer({ reply: sequence(status(429, { retryAfter: '2' }), answer('No')) });
    const limited = await post(server.url, { messages: [] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect((await post(server.url, { messages: [] })).status).toBe(200);
    expect(server.chatRequests().map((r) => r.outcome)).toEqual(['error', 'answer']);
    expect(server.chatRequests().every((r) => r.finishedAt! >= r.receivedAt)).toBe(true);
  });
});

describe('startModelServerThread', () => {
  it('serves from a worker thread and reports its counts', async () => {
    const threaded = await startModelServerThread({ yesWhenCodeMatches: 'strcpy' });
    try {
      const ask = async (code: string) => {
        const body = { messages: [{ role: 'user', content: `Q\n\n\`\`\`c\n${code}\n\`\`\`` }] };
        const json = (await (await post(threaded.url, body)).json()) as {
          choices: Array<{ message: { content: string } }>;
        };
        return json.choices[0]!.message.content;
      };
      expect(await ask('strcpy(a, b);')).toBe('Yes');
      expect(await ask('memcpy(a, b, 1);')).toBe('No');
      expect(await threaded.stats()).toEqual({ chatRequests: 2, maxInFlight: 1 });
      await threaded.reset();
      expect((await threaded.stats()).chatRequests).toBe(0);
    } finally {
      await threaded.close();
    }
  });
});
