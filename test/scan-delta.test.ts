// `vulnreview scan` compares with the base in both local modes, with the offline rules backend: a git
// repository (the base read with `git show`) and a patch file against a directory (the base rebuilt by
// reversing the patch, and said plainly when that cannot be done).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scan, scanOptionsFrom } from '../src/commands/scan.ts';

const BASE = `#include <string.h>

void legacy(char *dst, const char *src)
{
    char buf[16];
    strcpy(buf, src);
    strcpy(dst, buf);
}
`;

const EDITED = `#include <string.h>

void legacy(char *dst, const char *src)
{
    char buf[16];
    if (src == 0) return;
    strcpy(buf, src);
    strcpy(dst, buf);
}
`;

const WITH_NEW = `${EDITED}
void fresh(const char *name)
{
    char last[8];
    strcpy(last, name);
}
`;

let work: string;
let repo: string;

function git(...args: string[]) {
  execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
    stdio: 'pipe',
  });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vulnreview-scan-delta-'));
  repo = join(work, 'repo');
  mkdirSync(join(repo, 'src'), { recursive: true });
  git('init', '-q');
  writeFileSync(join(repo, 'src/opts.c'), BASE);
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function runScan(raw: Record<string, unknown>) {
  let stdout = '';
  let stderr = '';
  const sarif = join(work, `out-${Math.random().toString(36).slice(2)}.sarif`);
  const options = scanOptionsFrom({ cache: false, sarif, backend: 'rules', ...raw }, {});
  const code = await scan(options, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr, sarif: JSON.parse(readFileSync(sarif, 'utf8')) };
}

interface SarifLog {
  runs: Array<{ results: Array<{ properties: { function: string }; baselineState?: string }> }>;
}
const states = (sarif: SarifLog) =>
  Object.fromEntries(sarif.runs[0]!.results.map((x) => [x.properties.function, x.baselineState]));

describe('scan --repo compares with the base revision', () => {
  it('only the new function gates; the edited one is unchanged; --report all gates both', async () => {
    writeFileSync(join(repo, 'src/opts.c'), WITH_NEW);
    const r = await runScan({ repo, failOnConfidence: '0.1', format: 'json' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('1 new finding at or above confidence 0.1');
    expect(states(r.sarif)).toEqual({ legacy: 'unchanged', fresh: 'new' });
    const json = JSON.parse(r.stdout);
    expect(json.baseline).toMatchObject({ matched: 1, added: 1, states: { new: 1, unchanged: 1 } });

    const table = await runScan({ repo });
    // WHERE is the line the finding points at; the function's span follows its name.
    expect(table.stdout).toMatch(/src\/opts\.c:1[1-5]\s+fresh \(11-15\)/);
    expect(table.stdout).not.toMatch(/^0\.\d\d\s+CWE-120\s+src\/opts\.c:\d+\s+legacy/m);
    expect(table.stdout).toContain('already there before: src/opts.c:3-9 legacy');
    expect(table.stdout).toContain(
      '1 new, 1 already there, 0 fixed; 1 base version compared (1 extra request, 0 from cache).',
    );

    const all = await runScan({ repo, failOnConfidence: '0.1', report: 'all' });
    expect(all.code).toBe(1);
    expect(all.stderr).toContain('2 findings at or above confidence 0.1');
  });

  it('an edit that keeps an old weakness passes the gate; a fix is listed as fixed', async () => {
    writeFileSync(join(repo, 'src/opts.c'), EDITED);
    const kept = await runScan({ repo, failOnConfidence: '0.1' });
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(/^No new findings\./);

    writeFileSync(
      join(repo, 'src/opts.c'),
      EDITED.replace(/ {4}strcpy\(buf, src\);\n {4}strcpy\(dst, buf\);/, '    dst[0] = src[0];'),
    );
    const fixed = await runScan({ repo, failOnConfidence: '0.1' });
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/fixed: src\/opts\.c:3-8 legacy \(CWE-120, was 0\.\d\d, now 0\.\d\d\)/);
    git('checkout', '-q', '--', 'src/opts.c');
  });
});

describe('scan --diff --root rebuilds the base by reversing the patch', () => {
  function patchOf(before: string, after: string): string {
    const dir = mkdtempSync(join(work, 'p-'));
    writeFileSync(join(dir, 'old'), before);
    writeFileSync(join(dir, 'new'), after);
    const out = spawnSync('git', ['diff', '--no-index', 'old', 'new'], { cwd: dir, encoding: 'utf8' });
    const patch = join(dir, 'change.patch');
    writeFileSync(patch, out.stdout.replaceAll('a/old', 'a/src/opts.c').replaceAll('b/new', 'b/src/opts.c'));
    return patch;
  }

  it('gives the same states as git mode', async () => {
    const root = mkdtempSync(join(work, 'root-'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/opts.c'), WITH_NEW);
    const r = await runScan({ diff: patchOf(BASE, WITH_NEW), root, failOnConfidence: '0.1' });
    expect(states(r.sarif)).toEqual({ legacy: 'unchanged', fresh: 'new' });
    expect(r.code).toBe(1);
  });

  it('says when the directory does not hold the patch’s new side, and keeps every finding new', async () => {
    const root = mkdtempSync(join(work, 'root-'));
    mkdirSync(join(root, 'src'));
    writeFileSync(join(root, 'src/opts.c'), WITH_NEW.replace('char buf[16];', 'char buf[32];'));
    const r = await runScan({ diff: patchOf(BASE, WITH_NEW), root, failOnConfidence: '0.1' });
    expect(states(r.sarif)).toEqual({ legacy: 'new', fresh: 'new' });
    expect(r.stderr).toMatch(
      /vulnreview: base: 2 changed functions: base side not compared, unreadable base file \(src\/opts\.c:5 at --root does not match/,
    );
    expect(r.code).toBe(1);
  });
});
