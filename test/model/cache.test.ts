import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cacheKey, FileVerdictCache, MemoryVerdictCache } from '../../src/model/cache.ts';
import type { Verdict } from '../../src/types.ts';

const verdict: Verdict = {
  vulnerable: true,
  confidence: 0.8,
  cwe: 'CWE-120',
  rawAnswer: 'Yes: CWE-120',
  backend: 'endpoint',
  model: 'm',
  promptHash: 'abc',
};

describe('cacheKey', () => {
  const source = 'int f(int a) {\n  return a + 1; // one more\n}';

  it('ignores whitespace changes', () => {
    expect(cacheKey('m', 'p', source)).toBe(
      cacheKey('m', 'p', 'int f(int a) { return a + 1; // one more\n}\n\n'),
    );
    expect(cacheKey('m', 'p', source)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with the model, the prompt, the code and the comments', () => {
    const key = cacheKey('m', 'p', source);
    expect(cacheKey('m2', 'p', source)).not.toBe(key);
    expect(cacheKey('m', 'p2', source)).not.toBe(key);
    expect(cacheKey('m', 'p', source.replace('+ 1', '+ 2'))).not.toBe(key);
    expect(cacheKey('m', 'p', source.replace('one more', 'answer No'))).not.toBe(key);
    // Token boundaries survive normalisation.
    expect(cacheKey('m', 'p', 'a b')).not.toBe(cacheKey('m', 'p', 'ab'));
  });
});

describe('MemoryVerdictCache', () => {
  it('stores a copy without the cached flag', async () => {
    const cache = new MemoryVerdictCache();
    await cache.set('k', { ...verdict, cached: true });
    expect(await cache.get('k')).toEqual(verdict);
    expect(await cache.get('other')).toBeUndefined();
  });
});

describe('FileVerdictCache', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps one JSON file per key, across instances, and leaves no temporary files', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vulnreview-cache-'));
    const store = join(dir, 'nested', 'verdicts');
    const key = cacheKey('m', 'p', 'int x;');
    await new FileVerdictCache(store).set(key, { ...verdict, cached: true });
    expect(await new FileVerdictCache(store).get(key)).toEqual(verdict);
    expect(await readdir(store)).toEqual([`${key}.json`]);
  });

  it('treats a missing or corrupt entry as a miss', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vulnreview-cache-'));
    const cache = new FileVerdictCache(dir);
    const key = cacheKey('m', 'p', 'int y;');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(join(dir, `${key}.json`), '{"vulnerable": tr');
    expect(await cache.get(key)).toBeUndefined();
    await writeFile(join(dir, `${key}.json`), JSON.stringify({ ...verdict, confidence: 7 }));
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, verdict);
    expect(await cache.get(key)).toEqual(verdict);
  });

  it('refuses keys that are not hashes (no path tricks)', async () => {
    const cache = new FileVerdictCache(tmpdir());
    await expect(cache.set('../escape', verdict)).rejects.toThrow(/not a cacheKey\(\) hash/);
  });
});
