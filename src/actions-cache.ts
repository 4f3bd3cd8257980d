// The verdict cache of the action, kept between workflow runs with @actions/cache, so a new push re-asks
// only the functions whose code changed. Every failure here only warns: without a cache a run is slower,
// not wrong.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as core from '@actions/core';
import type { Backend } from './model/backend.ts';
import { FileVerdictCache } from './model/cache.ts';

const DIR_NAME = 'vulnreview-verdicts';

/**
 * The cache client and the storage SDK under it load only when a run keeps verdicts between runs: the
 * bundle puts them in a chunk of their own, so every other run starts without them.
 */
const cacheClient = () => import('@actions/cache');

export interface ActionsVerdictCache {
  cache: FileVerdictCache;
  restore(): Promise<void>;
  save(): Promise<void>;
}

/**
 * Keyed by backend, model and prompt (a verdict from another model or prompt is never reused) and the head
 * SHA; restored by the prefix without the SHA, so a new push starts from the previous push's verdicts.
 */
export function cacheKeys(backend: Backend, headSha: string): { key: string; prefix: string } {
  const model = createHash('sha256').update(backend.model).digest('hex').slice(0, 12);
  const prefix = `vulnreview-v1-${backend.name}-${model}-${backend.promptHash}-`;
  return { key: `${prefix}${headSha}`, prefix };
}

export function actionsVerdictCache(backend: Backend, headSha: string, tempDir: string): ActionsVerdictCache {
  const dir = join(tempDir, DIR_NAME);
  const keys = cacheKeys(backend, headSha);
  // The rules backend answers in about a millisecond a function: a cache round trip to GitHub costs more
  // than it saves, so its verdicts stay within the run.
  const worthKeeping = backend.name !== 'rules';
  let exactHit = false;
  return {
    cache: new FileVerdictCache(dir),
    async restore() {
      if (!worthKeeping) return;
      try {
        const cache = await cacheClient();
        if (!cache.isFeatureAvailable()) return;
        const hit = await cache.restoreCache([dir], keys.key, [keys.prefix]);
        exactHit = hit === keys.key;
        core.info(
          hit ? `Verdict cache restored (${hit})` : 'No verdict cache saved for this model and prompt yet',
        );
      } catch (error) {
        core.warning(`Could not restore the verdict cache: ${String(error)}`);
      }
    },
    async save() {
      // A re-run of the same commit restored this very key: caches are immutable, saving again only fails.
      if (!worthKeeping || exactHit) return;
      try {
        const cache = await cacheClient();
        if (!cache.isFeatureAvailable()) return;
        await cache.saveCache([dir], keys.key);
      } catch (error) {
        core.warning(`Could not save the verdict cache: ${String(error)}`);
      }
    },
  };
}
