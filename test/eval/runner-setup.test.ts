// What can be checked of runner-setup/ without a GPU or the Python ML stack: the Python compiles, the shell
// scripts pass shellcheck, start.sh turns settings into the vllm command line it should (run for real, with a
// stand-in `vllm` that prints its arguments), the service files agree with each other, and the end-to-end
// check's assertions fail when they should. Training, merging and serving themselves run in
// runner-setup/e2e-cpu.sh (CI, beside npm test). Each check is skipped, by name, when its tool is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const DIR = join(import.meta.dirname, '..', '..', 'runner-setup');
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
// Keep __pycache__ out of the working tree.
const PY_ENV = { ...process.env, PYTHONPYCACHEPREFIX: join(tmpdir(), 'vulnreview-pycache') };

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return name.endsWith(suffix) ? [path] : [];
  });
}

describe('runner-setup files', () => {
  it.skipIf(!has('python3'))('every Python file compiles', () => {
    const scripts = filesUnder(DIR, '.py');
    expect(scripts.map((s) => relative(DIR, s))).toEqual(
      expect.arrayContaining(['finetune/train.py', 'finetune/merge.py', 'serve/eval_server.py']),
    );
    const run = spawnSync('python3', ['-m', 'py_compile', ...scripts], { env: PY_ENV, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
  });

  it.skipIf(!has('shellcheck'))('every shell script passes shellcheck', () => {
    const scripts = filesUnder(DIR, '.sh');
    expect(scripts.map((s) => relative(DIR, s))).toEqual(
      expect.arrayContaining(['e2e-cpu.sh', 'finetune/gpu-check.sh', 'serve/start.sh']),
    );
    const run = spawnSync('shellcheck', ['-x', ...scripts], { encoding: 'utf8' });
    expect(run.status, run.stdout).toBe(0);
  });

  it('the env example sets every variable start.sh requires, and the unit and the container load it', () => {
    const start = readFileSync(join(DIR, 'serve', 'start.sh'), 'utf8');
    const env = readFileSync(join(DIR, 'serve', 'vllm.env.example'), 'utf8');
    const unit = readFileSync(join(DIR, 'serve', 'vulnreview-vllm.service'), 'utf8');
    const compose = readFileSync(join(DIR, 'serve', 'compose.yml'), 'utf8');
    const required = [...start.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!);
    expect(required).toEqual(expect.arrayContaining(['VLLM_API_KEY', 'BASE_MODEL', 'ADAPTER_PATH']));
    for (const name of required) expect(env).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(env).toMatch(/^HOST=127\.0\.0\.1$/m);
    expect(unit).toContain('EnvironmentFile=/etc/vulnreview/vllm.env');
    expect(unit).toContain('ExecStart=@PREFIX@/start.sh');
    // The container runs the same start.sh with the same env file, published on the host's loopback only.
    expect(compose).toContain('env_file: /etc/vulnreview/vllm.env');
    expect(compose).toContain('entrypoint: ["/opt/vulnreview/start.sh"]');
    expect(compose).toContain('./start.sh:/opt/vulnreview/start.sh:ro');
    expect(compose).toMatch(/- "127\.0\.0\.1:\$\{VULNREVIEW_PORT:-8000\}:8000"/);
    expect(compose).toMatch(/image: vllm\/vllm-openai:v/);
    // The key is never on vLLM's command line.
    expect(start).not.toMatch(/\s--api-key\s/);
  });

  it.skipIf(!has('python3'))(
    'train.py and eval_server.py explain their usage without PyTorch installed',
    () => {
      const train = execFileSync('python3', [join(DIR, 'finetune', 'train.py'), '--help'], {
        encoding: 'utf8',
        env: PY_ENV,
      });
      for (const flag of [
        '--dry-run',
        '--grad-accum',
        '--eval-steps',
        '--resume',
        '--allow-lossy-tokenizer',
      ]) {
        expect(train).toContain(flag);
      }
      expect(train).toMatch(/--batch-size BATCH_SIZE\s+per-device batch size \(default: 4, the seed's\)/);
      expect(train).toMatch(/--grad-accum GRAD_ACCUM\s+gradient accumulation steps \(default: 1\)/);
      const server = execFileSync('python3', [join(DIR, 'serve', 'eval_server.py'), '--help'], {
        encoding: 'utf8',
        env: PY_ENV,
      });
      expect(server).toContain('--max-logprobs');
      expect(server).toMatch(/--host HOST\s+default: 127\.0\.0\.1/);
    },
  );
});

describe.skipIf(!has('python3'))('start.sh builds the vllm command line', () => {
  const work = mkdtempSync(join(tmpdir(), 'vulnreview-start-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // A stand-in for vllm that prints its arguments, one per line.
  const fake = join(work, 'vllm');
  writeFileSync(fake, '#!/bin/sh\nfor arg in "$@"; do printf "%s\\n" "$arg"; done\n');
  chmodSync(fake, 0o755);
  const adapter = (name: string, rank: number) => {
    const dir = join(work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ r: rank, peft_type: 'LORA' }));
    return dir;
  };
  const main = adapter('main', 16);
  const second = adapter('second', 40);
  const start = (settings: Record<string, string>) =>
    spawnSync('bash', [join(DIR, 'serve', 'start.sh')], {
      env: { PATH: process.env.PATH, VLLM_API_KEY: 'secret-key', VLLM: fake, ...settings },
      encoding: 'utf8',
    });
  const flag = (argv: string[], name: string) => argv[argv.indexOf(name) + 1];

  it('serves extra adapters in the same --lora-modules list as the main one, with room for all of them', () => {
    const run = start({
      BASE_MODEL: 'meta-llama/Meta-Llama-3-8B-Instruct',
      ADAPTER_PATH: main,
      EXTRA_LORA_MODULES: `pd2=${second}`,
      DATA_PARALLEL_SIZE: '2',
    });
    expect(run.status, run.stderr).toBe(0);
    const argv = run.stdout.trim().split('\n');
    expect(argv.slice(0, 2)).toEqual(['serve', 'meta-llama/Meta-Llama-3-8B-Instruct']);
    expect(argv.filter((a) => a === '--lora-modules')).toHaveLength(1);
    const at = argv.indexOf('--lora-modules');
    expect(argv.slice(at + 1, at + 3)).toEqual([`vulnreview=${main}`, `pd2=${second}`]);
    expect(flag(argv, '--max-loras')).toBe('2');
    // The smallest rank vLLM accepts that fits the rank-40 adapter.
    expect(flag(argv, '--max-lora-rank')).toBe('64');
    expect(flag(argv, '--data-parallel-size')).toBe('2');
    expect(flag(argv, '--host')).toBe('127.0.0.1');
    expect(flag(argv, '--max-logprobs')).toBe('20');
    expect(run.stdout + run.stderr).not.toContain('secret-key');
  });

  it('refuses a second --lora-modules in EXTRA_ARGS, which would drop the main adapter', () => {
    const run = start({ BASE_MODEL: 'b', ADAPTER_PATH: main, EXTRA_ARGS: `--lora-modules other=${second}` });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('use EXTRA_LORA_MODULES');
    expect(run.stdout).toBe('');
  });

  it("refuses a rank vLLM does not accept, or one below an adapter's", () => {
    const odd = start({ BASE_MODEL: 'b', ADAPTER_PATH: main, MAX_LORA_RANK: '24' });
    expect(odd.status).toBe(1);
    expect(odd.stderr).toContain('1 8 16 32 64 128 256 320 512');
    const low = start({ BASE_MODEL: 'b', ADAPTER_PATH: second, MAX_LORA_RANK: '32' });
    expect(low.status).toBe(1);
    expect(low.stderr).toContain('below the rank of an adapter (40)');
    const fits = start({ BASE_MODEL: 'b', ADAPTER_PATH: main, MAX_LORA_RANK: '32' });
    expect(fits.status, fits.stderr).toBe(0);
    expect(flag(fits.stdout.trim().split('\n'), '--max-lora-rank')).toBe('32');
  });

  it('refuses an adapter name used twice and a directory without adapter_config.json', () => {
    const twice = start({ BASE_MODEL: 'b', ADAPTER_PATH: main, EXTRA_LORA_MODULES: `vulnreview=${second}` });
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain("the name 'vulnreview' is used twice");
    const empty = start({ BASE_MODEL: 'b', ADAPTER_PATH: work });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('has no adapter_config.json');
  });

  it('serves a merged model under the served name, without LoRA flags', () => {
    const run = start({ MERGED_MODEL: '/models/merged', TENSOR_PARALLEL_SIZE: '2' });
    expect(run.status, run.stderr).toBe(0);
    const argv = run.stdout.trim().split('\n');
    expect(argv.slice(0, 2)).toEqual(['serve', '/models/merged']);
    expect(flag(argv, '--served-model-name')).toBe('vulnreview');
    expect(flag(argv, '--tensor-parallel-size')).toBe('2');
    expect(argv).not.toContain('--enable-lora');
  });
});

describe.skipIf(!has('python3'))("the end-to-end check's assertions", () => {
  const work = mkdtempSync(join(tmpdir(), 'vulnreview-e2e-check-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const write = (name: string, value: unknown) => {
    const path = join(work, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const summary = write('train.json', {
    summary: {
      first_logged_loss: 1.2,
      last_logged_loss: 0.01,
      steps: 260,
      seconds: 40,
      validation: { f1: 0.9 },
    },
  });
  const evalReport = (precision: number, recall: number) =>
    write(`eval-${precision}-${recall}.json`, {
      metrics: {
        detection: { precision, recall, f1: 0.5, analysed: 120, notAnalysed: 0 },
        prCurve: { points: [{}, {}, {}], averagePrecision: 0.8 },
      },
    });
  const scan = (names: string[]) =>
    write(`scan-${names.join('-')}.json`, { findings: names.map((name) => ({ name })) });
  const check = (evalPath: string, scanPath: string) =>
    spawnSync(
      'python3',
      [
        join(DIR, 'e2e', 'check_results.py'),
        ...['--label', 't', '--train-summary', summary, '--eval', evalPath, '--scan', scanPath],
        ...['--vulnerable', 'store_cookie', '--safe', 'load_cookie', '--require-logprobs'],
      ],
      { encoding: 'utf8', env: PY_ENV },
    );

  it('pass a model far above chance that flags the vulnerable change only', () => {
    const run = check(evalReport(0.95, 0.9), scan(['store_cookie']));
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toContain('precision 0.950, recall 0.900');
  });

  it('fail a model at chance, and a scan that flags the wrong function', () => {
    const chance = check(evalReport(0.25, 0.5), scan(['store_cookie']));
    expect(chance.status).toBe(1);
    expect(chance.stdout).toContain('FAIL t: precision 0.250 < 0.75');
    expect(chance.stdout).toContain('FAIL t: recall 0.500 < 0.75');
    const wrong = check(evalReport(0.95, 0.9), scan(['load_cookie']));
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain('did not flag store_cookie');
    expect(wrong.stdout).toContain('flagged the safe load_cookie');
  });
});
