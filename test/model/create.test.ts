import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createBackend } from '../../src/model/create.ts';
import { PD2, promptHash } from '../../src/model/prompts.ts';
import { answer, type ModelServer, startModelServer } from '../helpers/model-server.ts';

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createBackend', () => {
  it('auto without an endpoint uses the rules backend and says so', async () => {
    const { backend, notice } = await createBackend({});
    expect(backend.name).toBe('rules');
    expect(notice).toBe('no endpoint configured: using the offline rules backend');
    await backend.close?.();
  });

  it('auto with an endpoint uses it, with the named model and prompt', async () => {
    server = await startModelServer({ reply: () => answer('Yes') });
    const { backend, notice } = await createBackend({
      endpoint: server.url,
      model: 'lora-a',
      prompt: 'pd-2',
    });
    expect(notice).toBeUndefined();
    expect(backend).toMatchObject({ name: 'endpoint', model: 'lora-a', promptHash: promptHash(PD2) });
    expect((await backend.analyse({ source: 'int f();', lang: 'c' })).vulnerable).toBe(true);
    expect(server.chatRequests()[0]!.body!.model).toBe('lora-a');
    await backend.close?.();
  });

  it('takes the first listed model when none is named', async () => {
    const key = 'sk-list-models-0001';
    server = await startModelServer({ models: ['vuln-llama3', 'base'], apiKey: key });
    const { backend, notice } = await createBackend({
      backend: 'endpoint',
      endpoint: server.url,
      apiKey: key,
    });
    expect(backend.model).toBe('vuln-llama3');
    expect(notice).toMatch(/using 'vuln-llama3', the first model/);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', outcome: 'models' });
    await backend.close?.();
  });

  it('explains a model list it could not get, without the key', async () => {
    server = await startModelServer({ apiKey: 'sk-right-key-1234' });
    const attempt = createBackend({ endpoint: server.url, apiKey: 'sk-wrong-key-5678' });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/could not be listed .*401.*set --model/);
    expect(error.message).not.toContain('sk-wrong-key-5678');
  });

  it('keeps the key out of a model list that is not JSON', async () => {
    // A proxy answering with plain text that starts with the token it was sent.
    const echo = createServer((req, res) => res.end(`${req.headers.authorization?.slice(7)} rejected`));
    await new Promise<void>((done) => echo.listen(0, '127.0.0.1', done));
    const { port } = echo.address() as AddressInfo;
    try {
      const key = 'sk-ab12';
      const error = (await createBackend({ endpoint: `http://127.0.0.1:${port}/v1`, apiKey: key }).catch(
        (e: unknown) => e,
      )) as Error;
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(/could not be listed \(the model list is not JSON/);
      expect(error.message).not.toContain(key);
    } finally {
      echo.close();
    }
  });

  it('passes onNotice to the endpoint backend', async () => {
    server = await startModelServer({ logprobs: 'off', reply: () => answer('Yes') });
    const told: string[] = [];
    const { backend } = await createBackend({
      endpoint: server.url,
      model: 'm',
      onNotice: (m) => told.push(m),
    });
    await backend.analyse({ source: 'int f();', lang: 'c' });
    expect(told).toEqual([expect.stringMatching(/ignores the logprobs parameters/)]);
    await backend.close?.();
  });

  it('says when a rules choice leaves an endpoint unused', async () => {
    const { backend, notice } = await createBackend({ backend: 'rules', endpoint: 'http://127.0.0.1:9/v1' });
    expect(backend.name).toBe('rules');
    expect(notice).toMatch(/not used/);
    await backend.close?.();
  });

  it('never repeats the user:password an endpoint URL carries, in notices or errors', async () => {
    const { backend, notice } = await createBackend({
      backend: 'rules',
      endpoint: 'https://alice:s3cret-pw@models.example.com/v1',
    });
    expect(notice).toContain('https://models.example.com/v1');
    expect(notice).not.toContain('s3cret-pw');
    await backend.close?.();
    await expect(createBackend({ endpoint: 'ftp://alice:s3cret-pw@host/v1' })).rejects.toThrow(
      /^(?!.*s3cret-pw).*must be an http/,
    );
    // Nothing listens on port 9: the model listing fails, and its message still hides the password.
    await expect(createBackend({ endpoint: 'http://alice:s3cret-pw@127.0.0.1:9/v1' })).rejects.toThrow(
      /^(?!.*s3cret-pw).*could not be listed/,
    );
  });

  it.each([
    [{ backend: 'endpoint' as const }, /needs an endpoint URL: set --endpoint/],
    [{ backend: 'endpoint' as const, endpoint: '   ' }, /needs an endpoint URL/],
    [{ endpoint: 'localhost:8000' }, /must be an http:\/\/ or https:\/\/ URL|is not a URL/],
    [{ endpoint: 'not a url' }, /is not a URL/],
    [{ backend: 'gpu' as never }, /'gpu' is not one of auto, endpoint, rules/],
    [{ endpoint: 'http://127.0.0.1:9/v1', model: 'm', timeoutSeconds: 0 }, /--timeout/],
    [{ endpoint: 'http://127.0.0.1:9/v1', model: 'm', prompt: 'no-such-prompt.txt' }, /--prompt/],
  ])('rejects %j with a ConfigError naming the input', async (options, message) => {
    const attempt = createBackend(options);
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(createBackend(options)).rejects.toThrow(message);
  });
});
