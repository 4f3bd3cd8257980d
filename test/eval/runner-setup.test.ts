// What can be checked of runner-setup/ without a GPU: the Python compiles, the shell scripts pass
// shellcheck, and the service files agree with each other. Each check is skipped, by name, when its tool
// is missing from the machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'runner-setup');
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;

describe('runner-setup', () => {
  it.skipIf(!has('python3'))('Python scripts compile', () => {
    for (const script of ['train.py', 'merge.py']) {
      const run = spawnSync('python3', ['-m', 'py_compile', join(DIR, 'finetune', script)], {
        // Keep __pycache__ out of the working tree.
        env: { ...process.env, PYTHONPYCACHEPREFIX: join(tmpdir(), 'vulnreview-pycache') },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
    }
  });

  it.skipIf(!has('shellcheck'))('shell scripts pass shellcheck', () => {
    const scripts = ['install.sh', 'start.sh', 'healthcheck.sh'].map((s) => join(DIR, 'serve', s));
    const run = spawnSync('shellcheck', ['-x', ...scripts], { encoding: 'utf8' });
    expect(run.status, run.stdout).toBe(0);
  });

  it('the env example sets every variable start.sh requires, and the unit loads it', () => {
    const start = readFileSync(join(DIR, 'serve', 'start.sh'), 'utf8');
    const env = readFileSync(join(DIR, 'serve', 'vllm.env.example'), 'utf8');
    const unit = readFileSync(join(DIR, 'serve', 'vulnreview-vllm.service'), 'utf8');
    const required = [...start.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    expect(required).toEqual(expect.arrayContaining(['VLLM_API_KEY', 'BASE_MODEL', 'ADAPTER_PATH']));
    for (const name of required) expect(env).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(env).toMatch(/^HOST=127\.0\.0\.1$/m);
    expect(unit).toContain('EnvironmentFile=/etc/vulnreview/vllm.env');
    expect(unit).toContain('ExecStart=@PREFIX@/start.sh');
    // The key is never on vLLM's command line.
    expect(start).not.toMatch(/--api-key/);
  });

  it.skipIf(!has('python3'))('train.py explains its usage without PyTorch installed', () => {
    const help = execFileSync('python3', [join(DIR, 'finetune', 'train.py'), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONPYCACHEPREFIX: join(tmpdir(), 'vulnreview-pycache') },
    });
    expect(help).toContain('--dry-run');
    expect(help).toContain('--grad-accum');
  });
});
