// GitObjectReader against a real temporary repository and the real git binary: bytes exactly as
// committed at each revision, absent paths, overlapping reads, one process for many files (counted by a
// logging `git` shim on PATH in front of the real one), and clear errors when git cannot answer.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showFile } from '../../src/git/local.ts';
import { GitObjectMissingError, GitObjectReader, GitReaderError } from '../../src/git/objects.ts';

let work: string;
let repo: string;
let first: string;
let second: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    encoding: 'utf8',
  }).trim();
}

/** Bytes with every value 0–255, LFs and NULs included, longer than one pipe read (64 KiB). */
const BINARY = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 256));
const PATHS = Array.from({ length: 60 }, (_, i) => `src/f${i}.c`);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vulnreview-objects-'));
  repo = join(work, 'repo');
  mkdirSync(join(repo, 'src', 'dir'), { recursive: true });
  git('init', '-q');
  for (const [i, path] of PATHS.entries())
    writeFileSync(join(repo, path), `int f${i}(void) { return ${i}; }\n`);
  writeFileSync(join(repo, 'src/empty.c'), '');
  writeFileSync(join(repo, 'src/blob.bin'), BINARY);
  writeFileSync(join(repo, 'src/with space: colon.c'), 'int s(void);\n');
  writeFileSync(join(repo, 'src/dir/x.c'), 'int x;\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'first');
  first = git('rev-parse', 'HEAD');
  writeFileSync(join(repo, 'src/f0.c'), 'int f0(void) { return 100; }\n');
  rmSync(join(repo, 'src/f1.c'));
  git('add', '-A');
  git('commit', '-q', '-m', 'second');
  second = git('rev-parse', 'HEAD');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const text = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');

describe('GitObjectReader', () => {
  it('reads files at any revision, byte for byte, the same as git show', async () => {
    const reader = new GitObjectReader(repo);
    try {
      expect(text(await reader.read(first, 'src/f0.c'))).toBe('int f0(void) { return 0; }\n');
      expect(text(await reader.read(second, 'src/f0.c'))).toBe('int f0(void) { return 100; }\n');
      expect(text(await reader.read('HEAD~1', 'src/f1.c'))).toBe('int f1(void) { return 1; }\n');
      expect(Buffer.from((await reader.read(second, 'src/blob.bin'))!).equals(BINARY)).toBe(true);
      expect((await reader.read(second, 'src/empty.c'))?.length).toBe(0);
      expect(text(await reader.read(second, 'src/with space: colon.c'))).toBe('int s(void);\n');
      for (const path of ['src/f0.c', 'src/blob.bin', 'src/with space: colon.c']) {
        expect(Buffer.from((await reader.read(second, path))!)).toEqual(
          Buffer.from((await showFile(repo, second, path))!),
        );
      }
    } finally {
      await reader.close();
    }
  });

  it('answers undefined for a path that is absent or not a file, and keeps going', async () => {
    const reader = new GitObjectReader(repo);
    try {
      expect(await reader.read(second, 'src/f1.c')).toBeUndefined(); // deleted in the second commit
      expect(await reader.read(second, 'no/such/file.c')).toBeUndefined();
      expect(await reader.read(second, 'src/dir')).toBeUndefined(); // a tree
      expect(await reader.read('no-such-branch', 'src/f0.c')).toBeUndefined();
      expect(text(await reader.read(second, 'src/dir/x.c'))).toBe('int x;\n');
    } finally {
      await reader.close();
    }
  });

  it('names the revision and the path when a file that must exist does not', async () => {
    const reader = new GitObjectReader(repo);
    try {
      const error = await reader.readExisting(second, 'src/f1.c').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitObjectMissingError);
      expect((error as Error).message).toBe(
        `src/f1.c does not exist at ${second} in ${repo} (or is not a file there)`,
      );
      expect(text(await reader.readExisting(first, 'src/f1.c'))).toBe('int f1(void) { return 1; }\n');
    } finally {
      await reader.close();
    }
  });

  it('answers overlapping reads in order, each with its own file', async () => {
    const reader = new GitObjectReader(repo);
    try {
      const reads = await Promise.all(
        [...PATHS, 'src/blob.bin', ...PATHS].map((path) => reader.read(first, path)),
      );
      expect(reads.slice(0, PATHS.length).map(text)).toEqual(
        PATHS.map((_, i) => `int f${i}(void) { return ${i}; }\n`),
      );
      expect(Buffer.from(reads[PATHS.length]!).equals(BINARY)).toBe(true);
      expect(reads.slice(PATHS.length + 1).map(text)).toEqual(reads.slice(0, PATHS.length).map(text));
    } finally {
      await reader.close();
    }
  });

  it('starts one git process for any number of reads, and none before the first', async () => {
    // A `git` in front of the real one that logs its arguments, so process starts can be counted.
    const bin = join(work, 'shim');
    mkdirSync(bin, { recursive: true });
    const log = join(work, 'git-starts.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(join(bin, 'git'), 0o755);
    writeFileSync(log, '');
    const path = process.env.PATH;
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      const reader = new GitObjectReader(repo);
      expect(readFileSync(log, 'utf8')).toBe('');
      for (const p of PATHS) await reader.read(first, p);
      await Promise.all(PATHS.map((p) => reader.read(second, p)));
      await reader.close();
      const starts = readFileSync(log, 'utf8').trim().split('\n');
      expect(starts).toHaveLength(1);
      expect(starts[0]).toMatch(/cat-file --batch$/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('reads a path with a newline in it (which the batch protocol cannot carry) through git show', async () => {
    writeFileSync(join(repo, 'odd\nname.c'), 'int odd;\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'odd');
    const reader = new GitObjectReader(repo);
    try {
      expect(text(await reader.read('HEAD', 'odd\nname.c'))).toBe('int odd;\n');
      expect(text(await reader.read('HEAD', 'src/f0.c'))).toBe('int f0(void) { return 100; }\n');
    } finally {
      await reader.close();
    }
  });

  it('says git is missing when it is not on PATH, for every read', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(work, 'nowhere');
    const reader = new GitObjectReader(repo);
    try {
      const reads = await Promise.allSettled([reader.read('HEAD', 'a.c'), reader.read('HEAD', 'b.c')]);
      for (const r of reads) {
        expect(r.status).toBe('rejected');
        const reason = (r as PromiseRejectedResult).reason as Error;
        expect(reason).toBeInstanceOf(GitReaderError);
        expect(reason.message).toMatch(/git is not installed or not on PATH/);
      }
    } finally {
      process.env.PATH = path;
      await reader.close();
    }
  });

  it("passes on git's own words when the folder is not a repository", async () => {
    const reader = new GitObjectReader(join(work, 'shim-less-empty-dir'));
    mkdirSync(join(work, 'shim-less-empty-dir'), { recursive: true });
    try {
      const error = await reader.read('HEAD', 'a.c').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitReaderError);
      expect((error as Error).message).toMatch(
        /git cat-file --batch in .* exited with code \d+: .*not a git repository/i,
      );
      // The failure sticks: later reads get it at once instead of hanging.
      await expect(reader.read('HEAD', 'b.c')).rejects.toThrow(/not a git repository/i);
    } finally {
      await reader.close();
    }
  });

  it('refuses reads after close', async () => {
    const reader = new GitObjectReader(repo);
    await reader.read(first, 'src/f0.c');
    await reader.close();
    await reader.close();
    await expect(reader.read(first, 'src/f0.c')).rejects.toThrow(/closed/);
  });
});
