// `vulnreview scan` on a real temporary git repository and on the demo patch, with the offline rules backend.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerScanCommand, type ScanOptions, scan, scanOptionsFrom } from '../src/commands/scan.ts';
import { startModelServer } from './helpers/model-server.ts';
import { countsUnboundedCopies } from './helpers/servers/engine.ts';
import { startTgi } from './helpers/servers/tgi.ts';

const schema = JSON.parse(
  readFileSync(new URL('./testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const validateSarif = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
  schema,
);

const SAFE = `#include <string.h>

int add(int a, int b)
{
    return a + b;
}
`;

const CHANGED = `#include <string.h>

int add(int a, int b)
{
    return a + b;
}

void remember(const char *name)
{
    char last[16];
    strcpy(last, name);
}
`;

const UNTRACKED = `#include <stdlib.h>

char *make(void)
{
    char *p = malloc(10);
    p[0] = 0;
    return p;
}
`;

let repo: string;
let work: string;

function git(...args: string[]) {
  execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    stdio: 'pipe',
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vulnreview-scan-'));
  repo = join(work, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  git('init', '-q');
  writeFileSync(join(repo, 'src/a.c'), SAFE);
  writeFileSync(join(repo, 'notes.txt'), 'hello\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function runScan(overrides: Record<string, unknown>) {
  let stdout = '';
  let stderr = '';
  const sarif = join(work, `out-${Math.random().toString(36).slice(2)}.sarif`);
  const options: ScanOptions = scanOptionsFrom(
    { repo, cache: false, sarif, backend: 'auto', ...overrides },
    {},
  );
  const code = await scan(options, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr, sarif: JSON.parse(readFileSync(sarif, 'utf8')) };
}

describe('vulnreview scan on a git repository', () => {
  it('scans the working tree against HEAD, untracked files included, with the rules backend said on stderr', async () => {
    writeFileSync(join(repo, 'src/a.c'), CHANGED);
    writeFileSync(join(repo, 'src/new.c'), UNTRACKED);
    const r = await runScan({});
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no endpoint configured: using the offline rules backend');
    expect(r.stdout).toMatch(/src\/a\.c:11\s+remember \(8-12\)/);
    expect(r.stdout).toMatch(/src\/new\.c:\d+\s+make \(3-8\)/);
    expect(r.stdout).not.toContain(' add ');
    expect(validateSarif(r.sarif)).toBe(true);
    expect(
      r.sarif.runs[0].results.map((x: { properties: { function: string } }) => x.properties.function).sort(),
    ).toEqual(['make', 'remember']);
  });

  it('compares two revisions reading files from git objects, whatever the working tree holds', async () => {
    writeFileSync(join(repo, 'src/a.c'), CHANGED);
    rmSync(join(repo, 'src/new.c'), { force: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    writeFileSync(join(repo, 'src/a.c'), SAFE); // the working tree no longer has the change
    const r = await runScan({ base: 'HEAD~1', head: 'HEAD', format: 'json' });
    const json = JSON.parse(r.stdout);
    expect(json.findings.map((f: { name: string }) => f.name)).toEqual(['remember']);
    expect(json.stats.changedFunctions).toBe(1);
    git('checkout', '-q', '--', 'src/a.c');
  });

  it('exits 1 when a finding reaches --fail-on-confidence', async () => {
    const r = await runScan({ base: 'HEAD~1', head: 'HEAD', failOnConfidence: '0.1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('at or above confidence 0.1');
  });

  it('exits 3 when files went unanalysed under --on-error fail, 0 with a warning under warn', async () => {
    writeFileSync(join(repo, 'src/big.c'), `${'/* padding */\n'.repeat(200)}int f(void) { return 0; }\n`);
    const failed = await runScan({ maxFileSize: '1' });
    expect(failed.code).toBe(3);
    expect(failed.stdout).toContain('not analysed: src/big.c (too-large');
    expect(failed.sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
    const warned = await runScan({ maxFileSize: '1', onError: 'warn' });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: 1 changed function or file was not analysed');
    rmSync(join(repo, 'src/big.c'));
  });

  it('stops asking the model at --time-budget and counts the functions it did not reach', async () => {
    writeFileSync(join(repo, 'src/a.c'), CHANGED);
    writeFileSync(join(repo, 'src/new.c'), UNTRACKED);
    // Each answer takes 1.5 s; a 1 s budget with one request in flight leaves both functions unanswered.
    const server = await startModelServer({ latencyMs: 1500, models: ['slow-model'] });
    try {
      const r = await runScan({
        backend: 'endpoint',
        endpoint: server.url,
        model: 'slow-model',
        concurrency: '1',
        timeBudget: '1',
      });
      expect(r.code).toBe(3);
      expect(r.stdout).not.toMatch(/^No findings\.$/m);
      expect(r.stdout).toContain('budget-exhausted');
      expect(r.sarif.runs[0].invocations[0].executionSuccessful).toBe(false);
    } finally {
      await server.close();
      rmSync(join(repo, 'src/new.c'));
      execFileSync('git', ['checkout', '-q', '--', 'src/a.c'], { cwd: repo });
    }
  });

  it('tells the user when the server made the client lower its logprobs request', async () => {
    writeFileSync(join(repo, 'src/new.c'), UNTRACKED);
    // TGI started with --max-top-n-tokens 2 refuses the default 5: the client asks within 2 and says so.
    const server = await startTgi({ adapters: { lora: countsUnboundedCopies }, maxTopNTokens: 2 });
    try {
      const r = await runScan({ backend: 'endpoint', endpoint: server.url, model: 'lora' });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/vulnreview: notice: .*\b2\b/);
    } finally {
      await server.close();
      rmSync(join(repo, 'src/new.c'));
    }
  });

  it('names the bad revision or flag', async () => {
    await expect(runScan({ base: 'no-such-ref' })).rejects.toThrow('invalid --base "no-such-ref"');
    await expect(runScan({ repo: work })).rejects.toThrow(/invalid --repo .*use --diff FILE/);
    expect(() => scanOptionsFrom({ format: 'xml' }, {})).toThrow(
      'invalid --format "xml": expected table or json',
    );
    expect(() => scanOptionsFrom({ failOnConfidence: '2' }, {})).toThrow('--fail-on-confidence');
  });
});

describe('vulnreview scan on unusual repositories and refs', () => {
  it('scans every file of a repository that has no commits yet', async () => {
    const fresh = join(work, 'fresh');
    mkdirSync(fresh);
    execFileSync('git', ['-C', fresh, 'init', '-q']);
    writeFileSync(join(fresh, 'staged.c'), CHANGED);
    execFileSync('git', ['-C', fresh, 'add', 'staged.c']);
    writeFileSync(join(fresh, 'new.c'), UNTRACKED);
    const r = await runScan({ repo: fresh, format: 'json' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('(no commits yet)');
    const json = JSON.parse(r.stdout);
    expect(json.findings.map((f: { name: string }) => f.name).sort()).toEqual(['make', 'remember']);
    // An explicit base still has to exist.
    await expect(runScan({ repo: fresh, base: 'HEAD' })).rejects.toThrow('invalid --base "HEAD"');
  });

  it('reads paths right whatever the user set diff.noprefix to', async () => {
    const plain = join(work, 'noprefix');
    mkdirSync(join(plain, 'b'), { recursive: true });
    const g = (...args: string[]) =>
      execFileSync('git', ['-C', plain, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args]);
    g('init', '-q');
    g('config', 'diff.noprefix', 'true');
    writeFileSync(join(plain, 'b', 'keep.c'), SAFE);
    g('add', '-A');
    g('commit', '-q', '-m', 'base');
    writeFileSync(join(plain, 'b', 'new.c'), CHANGED);
    g('add', '-A');
    const r = await runScan({ repo: plain, format: 'json' });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).findings.map((f: { file: string }) => f.file)).toEqual(['b/new.c']);
  });

  it('never lets a ref act as a git option', async () => {
    const target = join(work, 'injected');
    await expect(runScan({ base: `--output=${target}` })).rejects.toThrow('invalid --base');
    await expect(runScan({ base: 'HEAD', head: `--output=${target}` })).rejects.toThrow('invalid --head');
    expect(() => readFileSync(target)).toThrow();
  });
});

describe('vulnreview scan --diff', () => {
  it('warns about a file whose macros defeat the parser, as functions does', async () => {
    const root = join(work, 'macros');
    mkdirSync(root);
    const lines = ['#define BEGIN {', '#define END }', 'int f(int a) BEGIN', '  return a;', 'END'];
    writeFileSync(join(root, 'm.c'), `${lines.join('\n')}\n`);
    const patch = join(work, 'macros.diff');
    writeFileSync(
      patch,
      `--- /dev/null\n+++ b/m.c\n@@ -0,0 +1,5 @@\n${lines.map((l) => `+${l}\n`).join('')}`,
    );
    const r = await runScan({ repo: undefined, diff: patch, root });
    expect(r.stderr).toMatch(/warning: m\.c: \d+% of lines did not parse; some functions may be missing/);
  });

  it('refuses a --root that is not a directory', async () => {
    await expect(
      runScan({ repo: undefined, diff: 'examples/demo/change.patch', root: 'examples/demo/nope' }),
    ).rejects.toThrow('invalid --root "');
  });

  it('names the patch file when it is not a diff at all', async () => {
    await expect(
      runScan({ repo: undefined, diff: 'examples/demo/project/src/greet.c', root: 'examples/demo/project' }),
    ).rejects.toThrow(/examples\/demo\/project\/src\/greet\.c: diff line 1: .*not a unified diff/);
  });

  it('analyses the demo patch against its project directory with no git', async () => {
    const r = await runScan({
      repo: undefined,
      diff: 'examples/demo/change.patch',
      root: 'examples/demo/project',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('remember_visitor');
    expect(r.stdout).toContain('2 findings in 3 changed functions');
    expect(validateSarif(r.sarif)).toBe(true);
  });

  it('the CLI exits 2 on bad usage and never takes an API key flag', () => {
    const cli = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'scan', '--format', 'xml', '--diff', 'x.patch'],
      {
        encoding: 'utf8',
      },
    );
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain('invalid --format "xml"');
  });

  it('takes no API key flag (the key comes only from VULNREVIEW_API_KEY)', async () => {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {} });
    registerScanCommand(program);
    program.commands[0]!.exitOverride().configureOutput({ writeErr: () => {} });
    await expect(program.parseAsync(['node', 'vulnreview', 'scan', '--api-key', 'sk-x'])).rejects.toThrow(
      "unknown option '--api-key'",
    );
  });
});
