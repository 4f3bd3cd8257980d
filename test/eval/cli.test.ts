// The eval and dataset commands end to end, as a user runs them: a child process of the real CLI.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, codeOf, startModelServer, status } from '../helpers/model-server.ts';
import { syntheticRows, writeVdiscFile } from './vdisc-fixture.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(ROOT, 'test', 'testdata', 'eval', 'small.jsonl');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vulnreview-eval-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI without blocking this process's event loop (the loopback model server lives here). */
function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('vulnreview eval', () => {
  it('prints both tables and writes eval.md, eval.json and pr-curve.svg with an endpoint', async () => {
    const server = await startModelServer({
      apiKey: 'test-key',
      models: ['vulnreview'],
      reply: ({ body }) => {
        const code = codeOf(body);
        const risky = /strcpy|memcpy/.test(code) && !/if \(n >/.test(code);
        return risky
          ? answer('Yes', { pYes: code.includes('strcpy') ? 0.96 : 0.8 })
          : answer('No', { pYes: 0.05 });
      },
    });
    try {
      const out = join(dir, 'endpoint');
      const run = await cli(
        [
          'eval',
          '--dataset',
          FIXTURE,
          '--endpoint',
          server.url,
          '--model',
          'vulnreview',
          '--out',
          out,
          '--no-cache',
        ],
        { VULNREVIEW_API_KEY: 'test-key' },
      );
      expect(run.stderr).not.toContain('test-key');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("Detection (the seed's Table 4");
      expect(run.stdout).toMatch(/\| vulnreview \| pd-1 \| 0 \| 1\.000 \| 0\.833 \| 0\.909 \|/);
      expect(run.stdout).toContain('| Non-vulnerable | 6 | 0 | 1.000 | 0 |');
      expect(run.stdout).toContain('| 5 | 5 (100.0%) |');
      expect(run.stderr).toMatch(/12\/12 functions/);
      expect(server.chatRequests()).toHaveLength(12);

      const json = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
      expect(json.run).toMatchObject({
        backend: 'endpoint',
        model: 'vulnreview',
        prompt: 'pd-1',
        partial: false,
      });
      expect(json.metrics.detection.truePositives).toBe(5);
      expect(json.metrics.prCurve.points.length).toBeGreaterThanOrEqual(2);
      const md = await readFile(join(out, 'eval.md'), 'utf8');
      expect(md).toContain("## Per class (the seed's Table 5)");
      expect(md).toContain('| Llama-3 (fine-tuned) | PD-1 | 0 | 0.391 | 0.457 | 0.422 |');
      const svg = await readFile(join(out, 'pr-curve.svg'), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg).toContain('Recall');
      expect(svg).toContain('best F1');
    } finally {
      await server.close();
    }
  });

  it('resumes from the verdict cache: a second run asks nothing again', async () => {
    const server = await startModelServer({ reply: () => answer('No', { pYes: 0.1 }) });
    try {
      const cache = join(dir, 'cache');
      const args = ['eval', '--dataset', FIXTURE, '--endpoint', server.url, '--model', 'm', '--cache', cache];
      const first = await cli([...args, '--out', join(dir, 'first')]);
      expect(first.code, first.stderr).toBe(0);
      expect(server.chatRequests()).toHaveLength(12);
      const second = await cli([...args, '--out', join(dir, 'second')]);
      expect(second.code, second.stderr).toBe(0);
      expect(server.chatRequests()).toHaveLength(12);
      const json = JSON.parse(await readFile(join(dir, 'second', 'eval.json'), 'utf8'));
      expect(json.run.cached).toBe(12);
    } finally {
      await server.close();
    }
  });

  it('on Ctrl-C writes partial results and exits 130', async () => {
    const server = await startModelServer({ latencyMs: 150, reply: () => answer('Yes', { pYes: 0.9 }) });
    try {
      const out = join(dir, 'interrupted');
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli.ts',
          'eval',
          '--dataset',
          FIXTURE,
          '--endpoint',
          server.url,
          '--model',
          'm',
        ].concat(['--concurrency', '1', '--no-cache', '--out', out]),
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      // Interrupt once a few questions have been answered (the server's log says when, not a timer).
      const interrupted = new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (server.chatRequests().filter((r) => r.finishedAt).length >= 3) {
            clearInterval(poll);
            child.kill('SIGINT');
            resolve();
          }
        }, 20);
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      await interrupted;
      expect(code).toBe(130);
      expect(stdout).toContain('PARTIAL RESULTS (interrupted)');
      expect(server.chatRequests().length).toBeLessThan(12);
      const md = await readFile(join(out, 'eval.md'), 'utf8');
      expect(md.startsWith('# vulnreview eval (partial: interrupted)')).toBe(true);
      expect(md).toMatch(/Not analysed \(left out of every figure\): \d+ interrupted/);
    } finally {
      await server.close();
    }
  });

  it('runs offline with the rules backend', async () => {
    const out = join(dir, 'rules');
    const run = await cli(['eval', '--dataset', FIXTURE, '--backend', 'rules', '--out', out, '--no-cache']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| vulnreview-rules@[^|]+ \| none \(rules\) \|/);
    const json = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
    expect(json.run.backend).toBe('rules');
    expect(json.metrics.detection.analysed).toBe(12);
  });

  it('says so when --sample asks for more rows than the data set has', async () => {
    const out = join(dir, 'oversample');
    const run = await cli([
      'eval',
      '--dataset',
      FIXTURE,
      '--sample',
      '500',
      '--backend',
      'rules',
      '--out',
      out,
      '--no-cache',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      '--sample 500 is more than the data set holds: every one of its 12 rows is used.',
    );
    const json = JSON.parse(await readFile(join(out, 'eval.json'), 'utf8'));
    expect(json.metrics.detection.analysed).toBe(12);
  });

  it('exits 3 and says why when the endpoint answers nothing usable', async () => {
    const server = await startModelServer({ reply: () => status(400, { message: 'model not loaded' }) });
    try {
      const out = join(dir, 'broken-endpoint');
      const run = await cli([
        'eval',
        '--dataset',
        FIXTURE,
        '--endpoint',
        server.url,
        '--model',
        'm',
        '--no-cache',
        '--out',
        out,
      ]);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(
        /12 of 12 functions were not analysed \(12 backend-error\).*First error: .*model not loaded/,
      );
      expect(run.stderr).toContain('no function was analysed');
    } finally {
      await server.close();
    }
  });

  it('exits 2 with a clear message on bad input', async () => {
    const missing = await cli(['eval', '--dataset', join(dir, 'nope.jsonl'), '--backend', 'rules']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: cannot read the data set/);
    const badSample = await cli(['eval', '--dataset', FIXTURE, '--sample', 'lots', '--backend', 'rules']);
    expect(badSample.code).toBe(2);
    expect(badSample.stderr).toMatch(/--sample "lots"/);
  });
});

describe('vulnreview dataset', () => {
  it('builds a 25% split from a VDISC HDF5 file', async () => {
    const input = join(dir, 'vdisc_train.hdf5');
    await writeVdiscFile(
      input,
      syntheticRows(400, (i) => (i % 10 === 0 ? 'CWE-120' : i % 10 === 5 ? 'CWE-119' : null)),
    );
    const out = join(dir, 'train.jsonl');
    const run = await cli(['dataset', '--input', input, '--out', out, '--seed', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| total \| 400 \| \d+ \| \d+ \|/);
    const read = async (path: string) =>
      (await readFile(path, 'utf8'))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { messages: { role: string; content: string }[] });
    const train = await read(out);
    const validation = await read(join(dir, 'train.validation.jsonl'));
    const all = [...train, ...validation];
    expect(all).toHaveLength(320); // 80 vulnerable, 240 not
    expect(all.filter((e) => e.messages.at(-1)!.content === 'Yes')).toHaveLength(80);
    expect(validation.length).toBe(32);
    expect(all[0]!.messages[0]).toMatchObject({ role: 'user' });
    expect(all[0]!.messages[0]!.content).toMatch(
      /^Is this code vulnerable\? Answer in only Yes or No\.\n\n```c\n/,
    );
  });

  it('refuses to write over its input or one output over the other', async () => {
    const input = join(dir, 'labelled.jsonl');
    await copyFile(FIXTURE, input);
    const before = await readFile(input, 'utf8');
    const same = await cli(['dataset', '--input', input, '--out', `${dir}/./labelled.jsonl`]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--out ".*labelled\.jsonl": expected a file other than --input/);
    const clash = await cli([
      'dataset',
      '--input',
      input,
      '--out',
      join(dir, 'o.jsonl'),
      '--validation-out',
      join(dir, 'o.jsonl'),
    ]);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/--validation-out .*expected a file other than --out/);
    expect(await readFile(input, 'utf8')).toBe(before);
  });
});
