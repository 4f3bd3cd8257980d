// The action's verdict cache against a loopback server standing in for the Actions cache service: which
// backends use it at all, and that failures of the service only warn.

import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionsVerdictCache, cacheKeys } from '../../src/actions-cache.ts';
import type { Backend } from '../../src/model/backend.ts';

let server: Server;
const requests: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  // Every request is recorded and answered 400: the cache client must give up with a warning.
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end('{"message":"unavailable"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  process.env.ACTIONS_CACHE_URL = `http://127.0.0.1:${port}/`;
  process.env.ACTIONS_RUNTIME_TOKEN = 'test-runtime-token';
  delete process.env.ACTIONS_CACHE_SERVICE_V2;
});

afterAll(async () => {
  process.env = saved;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function backend(name: Backend['name']): Backend {
  return {
    name,
    model: `${name}-model`,
    promptHash: 'abc123',
    analyse: () => Promise.reject(new Error('not used')),
  };
}

describe('actionsVerdictCache', () => {
  it('keys by backend, model and prompt, restoring by the prefix without the head SHA', () => {
    const { key, prefix } = cacheKeys(backend('endpoint'), 'deadbeef');
    expect(key).toBe(`${prefix}deadbeef`);
    expect(prefix).toMatch(/^vulnreview-v1-endpoint-[0-9a-f]{12}-abc123-$/);
    expect(cacheKeys(backend('rules'), 'deadbeef').prefix).not.toBe(prefix);
  });

  it('never calls the cache service for the rules backend: recomputing is cheaper', async () => {
    requests.length = 0;
    const c = actionsVerdictCache(backend('rules'), 'deadbeef', mkdtempSync(join(tmpdir(), 'vr-ac-')));
    await c.restore();
    await c.save();
    expect(requests).toEqual([]);
  });

  it('asks the cache service for a model backend, and a failing service only warns', async () => {
    requests.length = 0;
    const c = actionsVerdictCache(backend('endpoint'), 'deadbeef', mkdtempSync(join(tmpdir(), 'vr-ac-')));
    await expect(c.restore()).resolves.toBeUndefined();
    await expect(c.save()).resolves.toBeUndefined();
    expect(requests.length).toBeGreaterThan(0);
  });
});
