// The CLI with the mistakes real users make: output paths that cannot be written, a patch piped on stdin,
// a --root that does not hold the patch's new side, a broken cache, a prompt that does not exist, and
// long runs in a CI log. `scan` runs in-process; `dataset`, `eval` and `functions` as child processes.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ScanIo, scan, scanOptionsFrom } from '../src/commands/scan.ts';
import { answer, startModelServer } from './helpers/model-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEMO = join(ROOT, 'examples/demo');
const PATCH = readFileSync(join(DEMO, 'change.patch'), 'utf8');
const FIXTURE = join(ROOT, 'test/testdata/eval/small.jsonl');

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vulnreview-mistakes-'));
  writeFileSync(join(work, 'a-file'), 'not a folder\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

async function runScan(raw: Record<string, unknown>, io: Partial<ScanIo> = {}) {
  let stdout = '';
  let stderr = '';
  const options = scanOptionsFrom(
    {
      diff: join(DEMO, 'change.patch'),
      root: join(DEMO, 'project'),
      cache: false,
      backend: 'rules',
      sarif: join(work, `out-${Math.random().toString(36).slice(2)}.sarif`),
      ...raw,
    },
    {},
  );
  const code = await scan(options, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: {},
    ...io,
  });
  return { code, stdout, stderr, sarifPath: options.sarif };
}

/** The demo project with greet.c as it was before the patch (the old side): not the patch's new side. */
function oldSideRoot(): string {
  const root = join(work, `old-${Math.random().toString(36).slice(2)}`);
  mkdirSync(join(root, 'src'), { recursive: true });
  const newSide = readFileSync(join(DEMO, 'project/src/greet.c'), 'utf8');
  const added = new Set(
    PATCH.split('\n')
      .filter((l) => l.startsWith('+') && !l.startsWith('+++'))
      .map((l) => l.slice(1)),
  );
  writeFileSync(
    join(root, 'src/greet.c'),
    newSide
      .split('\n')
      .filter((l) => !added.has(l))
      .join('\n'),
  );
  copyFileSync(join(DEMO, 'project/src/greet.h'), join(root, 'src/greet.h'));
  return root;
}

describe('scan: output files', () => {
  it('refuses an unwritable --sarif before any analysis (no model request)', async () => {
    const model = await startModelServer({ models: ['m'] });
    try {
      for (const [sarif, why] of [
        [join(work, 'a-file', 'out.sarif'), `${join(work, 'a-file')} is not a folder`],
        [work, 'it is a directory'],
      ]) {
        await expect(
          runScan({ sarif, backend: 'endpoint', endpoint: model.url, model: 'm' }),
        ).rejects.toThrow(`invalid --sarif "${sarif}": expected a file vulnreview can write (${why})`);
      }
      expect(model.chatRequests()).toHaveLength(0);
    } finally {
      await model.close();
    }
  });

  it('prints the findings before writing the SARIF file, and exits 2 when that write fails', async () => {
    const sarif = join(work, 'late', 'out.sarif');
    // The path becomes a folder while the model is being asked: the check passed, the write cannot.
    const model = await startModelServer({
      models: ['m'],
      reply: () => {
        mkdirSync(sarif, { recursive: true });
        return answer('Yes: CWE-120', { pYes: 0.9 });
      },
    });
    try {
      const r = await runScan({ sarif, backend: 'endpoint', endpoint: model.url, model: 'm' });
      expect(r.code).toBe(2);
      expect(r.stdout).toContain('remember_visitor');
      expect(r.stderr).toContain(`could not write the SARIF file ${sarif}`);
      expect(r.stderr).toContain('the findings are above');
    } finally {
      await model.close();
    }
  });

  it('never leaves a half-written SARIF file or temporary files behind', async () => {
    const dir = join(work, 'clean');
    mkdirSync(dir);
    const sarif = join(dir, 'out.sarif');
    writeFileSync(sarif, 'previous run');
    const r = await runScan({ sarif });
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(sarif, 'utf8')).version).toBe('2.1.0');
    expect(readdirSync(dir)).toEqual(['out.sarif']);
  });
});

describe('scan --diff', () => {
  it('reads the patch from standard input with --diff -', async () => {
    const r = await runScan(
      { diff: '-' },
      { diffInput: { readStdin: async () => PATCH, stdinIsTerminal: () => false } },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('remember_visitor');
    expect(r.stderr).toContain('scanning the patch on standard input against');
    await expect(
      runScan({ diff: '-' }, { diffInput: { readStdin: async () => '', stdinIsTerminal: () => true } }),
    ).rejects.toThrow('invalid --diff "-": expected a patch piped on standard input');
  });

  it('counts files that are not the patch’s new side as not analysed, never "No findings"', async () => {
    const root = oldSideRoot();
    const r = await runScan({ root });
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(/^No findings\.$/m);
    expect(r.stdout).toContain('not analysed: src/greet.c (unreadable:');
    expect(r.stdout).toContain("is not the patch's new side");
    expect(r.stdout).toMatch(/the patch changes it up to line 40, but the file has \d+ lines/);
    expect(r.stdout).toContain(
      '0 changed functions (0 analysed, 0 unclassified, 0 not analysed); 1 file not analysed.',
    );
    const sarif = JSON.parse(readFileSync(r.sarifPath, 'utf8'));
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
  });

  it('names the first added line that is missing when the file is long enough', async () => {
    const root = oldSideRoot();
    const greet = join(root, 'src/greet.c');
    writeFileSync(greet, `${readFileSync(greet, 'utf8')}${'\n'.repeat(40)}`);
    const r = await runScan({ root });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      'line 14 should read "/* Remembers the last visitor\'s name for the banner. */", as the patch added it',
    );
  });

  it('`functions` reports the same files as not read as `scan` does', async () => {
    const root = oldSideRoot();
    rmSync(join(root, 'src/greet.h'));
    const scanned = await runScan({ root });
    const functions = await cli(['functions', '--diff', join(DEMO, 'change.patch'), '--root', root]);
    expect(functions.code).toBe(0);
    expect(JSON.parse(functions.stdout)).toEqual([]);
    const skippedByScan = [...scanned.stdout.matchAll(/not analysed: (\S+) \(/g)].map((m) => m[1]);
    const skippedByFunctions = [...functions.stderr.matchAll(/warning: skipped (\S+) \(/g)].map((m) => m[1]);
    expect(skippedByFunctions).toEqual(skippedByScan);
    expect(skippedByScan).toEqual(['src/greet.c']);
  }, 60_000);
});

describe('scan: progress, cache and prompt', () => {
  it('prints progress lines outside a terminal, naming the endpoint it waits on when answers are slow', async () => {
    const model = await startModelServer({ models: ['slow-model'], latencyMs: 700 });
    try {
      const r = await runScan(
        { backend: 'endpoint', endpoint: model.url, model: 'slow-model', concurrency: '1' },
        { terminal: false, progress: { everyMs: 100, slowMs: 200 } },
      );
      expect(r.code).toBe(0);
      const lines = r.stderr.split('\n').filter((l) => /^\d+\/3 functions \(/.test(l));
      expect(lines.length).toBeGreaterThan(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `waiting on ${model.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(model slow-model\\) for 1 answer, the oldest for \\d+s`,
        ),
      );
      expect(lines.at(-1)).toMatch(/^3\/3 functions/);
    } finally {
      await model.close();
    }
  });

  it('a broken verdict cache is one warning, not one per function', async () => {
    const r = await runScan({ cache: join(work, 'a-file') });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/verdict cache/g)).toHaveLength(1);
    expect(r.stderr).toContain('going on without it (check the folder, or pass --no-cache)');
  });

  it('validates --prompt even with the rules backend, which does not use it', async () => {
    await expect(runScan({ prompt: join(work, 'no-such-prompt.txt') })).rejects.toThrow(
      /prompt '.*no-such-prompt\.txt' is neither pd-1, pd-2 nor a readable template file/,
    );
  });

  it('says "1 changed file", not "1 changed files"', async () => {
    const r = await runScan({});
    expect(r.stderr).toContain('(1 changed file) with rules');
  });
});

describe('the CLI as a child process', () => {
  it('scan: an unwritable --sarif exits 2 with the message and no stack trace', async () => {
    const r = await cli([
      'scan',
      '--diff',
      join(DEMO, 'change.patch'),
      '--root',
      join(DEMO, 'project'),
      '--no-cache',
      '--sarif',
      join(work, 'a-file', 'x.sarif'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --sarif');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stdout).toBe('');
  }, 60_000);

  it('functions --diff - reads the patch from standard input', async () => {
    const r = await cli(['functions', '--diff', '-', '--root', join(DEMO, 'project')], PATCH);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((f: { name: string }) => f.name)).toEqual([
      'remember_visitor',
      'read_name',
      'main',
    ]);
  }, 60_000);

  it('dataset: an unwritable output exits 2 before any work and leaves an existing output untouched', async () => {
    const out = join(work, 'train.jsonl');
    writeFileSync(out, 'KEEP\n');
    const r = await cli([
      'dataset',
      '--input',
      FIXTURE,
      '--out',
      out,
      '--validation-out',
      join(work, 'a-file', 'valid.jsonl'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`invalid --validation-out "${join(work, 'a-file', 'valid.jsonl')}"`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(out, 'utf8')).toBe('KEEP\n');
  }, 60_000);

  it('dataset: writes both files whole, into folders it creates, with no temporary files left', async () => {
    const dir = join(work, 'ds', 'nested');
    const r = await cli([
      'dataset',
      '--input',
      FIXTURE,
      '--out',
      join(dir, 'train.jsonl'),
      '--validation-share',
      '0.3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(dir).sort();
    expect(names.every((n) => n.endsWith('.jsonl') && !n.startsWith('.'))).toBe(true);
    for (const name of names)
      for (const line of readFileSync(join(dir, name), 'utf8').trim().split('\n')) JSON.parse(line);
  }, 60_000);

  it('eval: an unwritable --out exits 2 before any model request', async () => {
    const model = await startModelServer({ models: ['m'] });
    try {
      const r = await cli([
        'eval',
        '--dataset',
        FIXTURE,
        '--endpoint',
        model.url,
        '--model',
        'm',
        '--no-cache',
        '--out',
        join(work, 'a-file'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`invalid --out "${join(work, 'a-file', 'eval.md')}"`);
      expect(model.chatRequests()).toHaveLength(0);
    } finally {
      await model.close();
    }
  }, 60_000);
});
