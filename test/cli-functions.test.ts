// End to end: `vulnreview functions` in a child process, as a user runs it.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { directoryReader } from '../src/git/worktree.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const testdata = (p: string) => fileURLToPath(new URL(`testdata/${p}`, import.meta.url));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'functions', ...args],
      { cwd: repo, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const projectArgs = ['--diff', testdata('diff/project.diff'), '--root', testdata('extract/project')];

type Run = Awaited<ReturnType<typeof cli>>;
// Child processes are slow to start (tsx); start them all at once and let the tests read the results.
let runs: Record<'project' | 'filtered' | 'malformed' | 'notDiff' | 'badRoot' | 'missing' | 'noFile', Run>;
beforeAll(async () => {
  // The first run alone fills tsx's transform cache, so the parallel ones only read it.
  const project = await cli(projectArgs);
  const [filtered, malformed, notDiff, badRoot, missing, noFile] = await Promise.all([
    cli([...projectArgs, '--paths-ignore', 'third_party', '--max-file-size', '2']),
    cli(['--diff', testdata('diff/malformed-short.diff'), '--root', repo]),
    cli(['--diff', testdata('extract/project/src/util.c'), '--root', repo]),
    cli(['--diff', testdata('diff/project.diff'), '--root', testdata('extract/no-such-dir')]),
    cli([]),
    cli(['--diff', testdata('diff/does-not-exist.diff')]),
  ]);
  runs = { project, filtered, malformed, notDiff, badRoot, missing, noFile };
}, 60_000);

describe('vulnreview functions', () => {
  it('prints the changed functions as JSON and warns about skipped files on stderr', async () => {
    const { code, stdout, stderr } = runs.project;
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as {
      file: string;
      name: string;
      start: number;
      end: number;
      lang: string;
      source: string;
    }[];
    const expected = JSON.parse(readFileSync(testdata('extract/project.expected.json'), 'utf8'));
    expect(out.map(({ source: _, ...rest }) => rest)).toEqual(expected.functions);
    for (const fn of out) expect(Object.keys(fn)).toEqual(['file', 'name', 'start', 'end', 'lang', 'source']);
    const reserve = out.find((f) => f.name === 'bb_reserve');
    const lines = readFileSync(testdata('extract/project/src/bytebuf.c'), 'utf8').split('\n');
    expect(reserve?.source).toBe(lines.slice(29, 39).join('\n'));
    expect(stderr).toContain('warning: skipped src/blob.c (binary)');
    expect(stderr).toContain('src/latin1.c is not valid UTF-8');
  });

  it('applies --paths-ignore and --max-file-size', async () => {
    const { code, stdout, stderr } = runs.filtered;
    expect(code, stderr).toBe(0);
    const files = new Set((JSON.parse(stdout) as { file: string }[]).map((f) => f.file));
    expect(files.has('third_party/vendor.c')).toBe(false);
    expect(files.has('src/tokenizer.cpp')).toBe(false);
    expect(files.has('src/bytebuf.c')).toBe(true);
    expect(stderr).toContain('skipped third_party/vendor.c (ignored-path)');
    expect(stderr).toMatch(
      /skipped src\/tokenizer\.cpp \(too-large\): 3 KiB is over the 2 KiB limit; raise max-file-size/,
    );
  });

  it('exits 2 naming the file and line of a malformed diff', async () => {
    const { code, stdout, stderr } = runs.malformed;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /malformed-short\.diff: src\/a\.c: diff line 10: hunk @@ -1,4 \+1,5 @@ \(line 5\) is cut short/,
    );
  });

  it('exits 2 when the --diff file is not a diff, instead of printing []', async () => {
    const { code, stdout, stderr } = runs.notDiff;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/util\.c: diff line 1: no file header .* not a unified diff/);
  });

  it('exits 2 when --root is not a directory, instead of reading every file as missing', async () => {
    const { code, stdout, stderr } = runs.badRoot;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/invalid --root ".*no-such-dir": expected a directory/);
  });

  it('exits 2 on bad usage', async () => {
    const { missing, noFile } = runs;
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--diff <file>'");
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('cannot read --diff');
  });

  it('never reads outside --root, whatever paths the diff names', async () => {
    const read = directoryReader(testdata('extract/project'));
    expect(await read('src/util.c')).toBeInstanceOf(Uint8Array);
    expect(await read('../forms.c')).toBeUndefined();
    expect(await read('src/../../forms.c')).toBeUndefined();
    expect(await read('/etc/passwd')).toBeUndefined();
    expect(await read('src/nope.c')).toBeUndefined();
  });

  it('does not follow a symlink out of --root', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vulnreview-root-'));
    try {
      await mkdir(join(dir, 'tree'));
      await writeFile(join(dir, 'secret.txt'), 'token');
      await writeFile(join(dir, 'tree', 'real.c'), 'int x;');
      await symlink(join(dir, 'secret.txt'), join(dir, 'tree', 'evil.c'));
      await symlink('real.c', join(dir, 'tree', 'alias.c'));
      const read = directoryReader(join(dir, 'tree'));
      expect(await read('evil.c')).toBeUndefined();
      expect(new TextDecoder().decode(await read('alias.c'))).toBe('int x;');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('vulnreview functions --macros', () => {
  const project = (p: string) => testdata(`extract/macros-project/${p}`);
  const args = ['--diff', project('change.diff'), '--root', project('')];

  it('reads project macros (clang-format keys) and names the functions they hid', async () => {
    const { code, stdout, stderr } = await cli([...args, '--macros', project('macros.yml')]);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as { name: string; start: number; end: number }[];
    expect(out.map(({ name, start, end }) => ({ name, start, end }))).toEqual([
      { name: 'add', start: 1, end: 3 },
      { name: 'parsing::parse', start: 6, end: 8 },
    ]);
    expect(stderr).toBe('');
  });

  it('exits 2 naming the flag and file when the macros file is malformed', async () => {
    const { code, stderr } = await cli([...args, '--macros', project('bad-macros.yml')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--macros .*bad-macros\.yml: not valid YAML/);
  });
});
