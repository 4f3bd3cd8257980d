// Verdicts remembered across runs, keyed by (model, prompt hash, normalized source), so a re-push only
// asks about the functions that changed. The CLI keeps them in a directory (FileVerdictCache); the action
// saves and restores that same directory with @actions/cache.
import { createHash } from 'node:crypto';
import { rename as renameCallback, writeFile as writeFileCallback } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { VDISC_CLASSES, type Verdict } from '../types.ts';

export interface VerdictCache {
  get(key: string): Promise<Verdict | undefined>;
  set(key: string, v: Verdict): Promise<void>;
}

/** Bumped when the key material or the stored shape changes, so old entries simply stop matching. */
const KEY_VERSION = 'vulnreview-verdict-v1';

/**
 * Whitespace-insensitive: runs of whitespace become one space and the ends are trimmed, so re-indenting
 * or re-wrapping a function does not ask again. Comments are kept: the model reads them, so they can
 * change its answer.
 */
export function normalizeSource(source: string): string {
  return source.replace(/\s+/g, ' ').trim();
}

/** A hex SHA-256, safe as a file name. */
export function cacheKey(model: string, promptHash: string, source: string): string {
  return createHash('sha256')
    .update(JSON.stringify([KEY_VERSION, model, promptHash, normalizeSource(source)]))
    .digest('hex');
}

function isVerdict(value: unknown): value is Verdict {
  const v = value as Partial<Verdict> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    (v.vulnerable === true || v.vulnerable === false || v.vulnerable === null) &&
    typeof v.confidence === 'number' &&
    v.confidence >= 0 &&
    v.confidence <= 1 &&
    typeof v.rawAnswer === 'string' &&
    (v.backend === 'endpoint' || v.backend === 'rules') &&
    typeof v.model === 'string' &&
    typeof v.promptHash === 'string' &&
    (v.cwe === undefined || VDISC_CLASSES.includes(v.cwe))
  );
}

// The callback forms, promisified: measurably cheaper per call than fs/promises' FileHandle-based ones,
// and a run writes one file per verdict (bench/model.md).
const writeFile = promisify(writeFileCallback);
const rename = promisify(renameCallback);

/** Distinguishes this process's temporary files; the pid distinguishes processes. */
let tempCounter = 0;

/** Stored without the `cached` flag: that flag describes one read, not the verdict. */
function storable(v: Verdict): Verdict {
  const { cached: _cached, ...rest } = v;
  return rest;
}

export class MemoryVerdictCache implements VerdictCache {
  private readonly entries = new Map<string, Verdict>();

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<Verdict | undefined> {
    const v = this.entries.get(key);
    return v ? { ...v } : undefined;
  }

  async set(key: string, v: Verdict): Promise<void> {
    this.entries.set(key, storable(v));
  }
}

/**
 * One JSON file per key under `dir`. Writes go to a temporary file renamed into place, so a reader (or a
 * run killed mid-write) never sees half an entry. A missing, unreadable or malformed entry is a miss:
 * the function is asked again and the entry rewritten.
 */
export class FileVerdictCache implements VerdictCache {
  private made: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  private path(key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key))
      throw new Error(`verdict cache key '${key}' is not a cacheKey() hash`);
    return join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<Verdict | undefined> {
    let text: string;
    try {
      text = await readFile(this.path(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const value: unknown = JSON.parse(text);
      return isVerdict(value) ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async set(key: string, v: Verdict): Promise<void> {
    const target = this.path(key);
    // Made once per instance, not once per write: a thousand verdicts need one mkdir.
    this.made ??= mkdir(this.dir, { recursive: true }).catch((error: unknown) => {
      this.made = undefined;
      throw error;
    });
    await this.made;
    const temp = `${target}.${process.pid}.${tempCounter++}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(storable(v)));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw new Error(`could not write verdict cache entry ${target}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
