// The streaming pipeline (functions flow to the backend as files are parsed) gives exactly what the
// batch pipeline it replaced gave — extract everything, then analyse everything — on the repository's
// fixtures and on a real git repository read through one `git cat-file` process: same functions,
// verdicts, findings, fingerprints and SARIF. Then the streaming itself: requests start before
// extraction ends, the queue is bounded, progress and the time budget stay exact, and identical
// functions are asked once without a cache.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareWithBase } from '../src/baseline/compare.ts';
import { scan, scanOptionsFrom } from '../src/commands/scan.ts';
import { parseUnifiedDiff, wholeFileChange } from '../src/diff/parse.ts';
import { findChangedFunctions } from '../src/extract/index.ts';
import { diffText, showFile } from '../src/git/local.ts';
import { directoryReader } from '../src/git/worktree.ts';
import { analyseAll } from '../src/model/analyse.ts';
import type { Backend } from '../src/model/backend.ts';
import { createBackend } from '../src/model/create.ts';
import { type PipelineInput, runPipeline } from '../src/pipeline.ts';
import { findingsOf } from '../src/report/findings.ts';
import { buildSarif, writeSarifFile } from '../src/report/sarif.ts';
import { renderJson } from '../src/report/table.ts';
import type { PipelineResult } from '../src/result.ts';
import type { Analysis, FileChange, FunctionInput, Skipped, Verdict } from '../src/types.ts';
import { answer, codeOf, startModelServer } from './helpers/model-server.ts';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The orchestration as it was before streaming (vulnreview 0.1.0's runPipeline): every function
 * extracted first, then all of them handed to analyseAll at once.
 */
async function batchPipeline(input: PipelineInput): Promise<PipelineResult> {
  const extracted = await findChangedFunctions(input.changes, input.readFile, input.extract ?? {});
  const { functions } = extracted;
  const outcomes = await analyseAll(
    functions.map((fn) => ({ source: fn.source, lang: fn.lang, name: fn.name, file: fn.file })),
    input.backend,
    input.analyse ?? {},
  );
  const analyses: Analysis[] = functions.map((fn, i) => {
    const outcome = outcomes[i]!;
    if ('verdict' in outcome) return { fn, verdict: outcome.verdict };
    return { fn, skipped: { file: fn.file, function: fn.name, ...outcome.skipped } };
  });
  const skipped: Skipped[] = [...extracted.skipped];
  const unclassified: PipelineResult['unclassified'] = [];
  for (const a of analyses) {
    if ('skipped' in a) skipped.push(a.skipped);
    else if (a.verdict.vulnerable === null) unclassified.push({ fn: a.fn, verdict: a.verdict });
  }
  const findings = findingsOf(analyses);
  const verdicts = analyses.flatMap((a) => ('verdict' in a ? [a.verdict] : []));
  const skippedByReason: Record<string, number> = {};
  for (const s of skipped) skippedByReason[s.reason] = (skippedByReason[s.reason] ?? 0) + (s.count ?? 1);
  const ignored = skippedByReason['ignored-path'] ?? 0;
  const total = Object.values(skippedByReason).reduce((n, c) => n + c, 0);
  return {
    functions,
    analyses,
    findings,
    skipped,
    unclassified,
    files: extracted.files,
    stats: {
      changedFiles: input.changes.length,
      sourceFiles: extracted.files.length,
      changedFunctions: functions.length,
      analysed: verdicts.filter((v) => v.vulnerable !== null).length,
      unclassified: unclassified.length,
      cached: verdicts.filter((v) => v.cached).length,
      findings: findings.length,
      skipped: total - ignored,
      ignored,
      skippedByReason,
      durationMs: 0,
    },
  };
}

/** Everything a reporter sees, durations aside. */
function comparable(result: PipelineResult) {
  const sarif = buildSarif({
    findings: result.findings,
    skipped: result.skipped.filter((s) => s.reason !== 'ignored-path'),
    unclassified: result.unclassified,
    analysed: result.stats.analysed,
    backend: 'rules',
    model: 'm',
    category: 'vulnreview/',
  });
  return {
    json: JSON.parse(renderJson({ ...result, stats: { ...result.stats, durationMs: 0 } })),
    functions: result.functions,
    analyses: result.analyses,
    fingerprints: result.findings.map((f) => `${f.ruleId} ${f.fingerprint} ${f.fn.file}:${f.line}`),
    skipped: result.skipped,
    files: result.files,
    sarif,
  };
}

const readFrom = (root: string) => directoryReader(root);

interface Fixture {
  name: string;
  changes: FileChange[];
  readFile: PipelineInput['readFile'];
}

async function fixtures(): Promise<Fixture[]> {
  const diff = (path: string) => readFile(here(path), 'utf8').then(parseUnifiedDiff);
  const rulesDir = here('./testdata/rules/');
  return [
    {
      name: 'extraction project (project.diff)',
      changes: await diff('./testdata/diff/project.diff'),
      readFile: readFrom(here('./testdata/extract/project/')),
    },
    {
      name: 'demo change (examples/demo)',
      changes: await diff('../examples/demo/change.patch'),
      readFile: readFrom(here('../examples/demo/project/')),
    },
    {
      name: 'ifdef copies and hidden braces',
      changes: [
        ...(await diff('./testdata/extract/ifdef_copies.diff')),
        ...(await diff('./testdata/extract/hidden_braces.diff')),
      ],
      readFile: readFrom(here('./testdata/extract/')),
    },
    {
      name: 'every rules fixture as a new file',
      changes: readdirSync(rulesDir)
        .sort()
        .map((f) => wholeFileChange(f, 'added')),
      readFile: readFrom(rulesDir),
    },
  ];
}

let server: Awaited<ReturnType<typeof startModelServer>>;
beforeAll(async () => {
  // A model that calls a function vulnerable when it copies with strcpy or memcpy, and cannot decide
  // about those that call free: yes, no and unclassified answers, each after a short, varying delay.
  server = await startModelServer({
    logprobs: 'off',
    reply: ({ body, index }) => {
      const code = codeOf(body);
      const latencyMs = index % 7;
      if (/strcpy|memcpy/.test(code)) return answer('Yes', { latencyMs });
      if (/\bfree\(/.test(code)) return answer('It depends on the caller.', { latencyMs });
      return answer('No', { latencyMs });
    },
  });
});
afterAll(() => server.close());

describe('streaming pipeline = batch pipeline', async () => {
  const cases = await fixtures();
  it.each(cases)('gives the same result with the rules backend: $name', async ({ changes, readFile }) => {
    const { backend } = await createBackend({ backend: 'rules' });
    const input: PipelineInput = { changes, readFile, backend };
    const batch = comparable(await batchPipeline(input));
    const streamed = comparable(await runPipeline(input));
    expect(streamed).toEqual(batch);
    expect(batch.functions.length).toBeGreaterThan(0);
  });

  it.each(cases)('gives the same result with a model endpoint: $name', async ({ changes, readFile }) => {
    const { backend } = await createBackend({
      backend: 'endpoint',
      endpoint: server.url,
      model: 'test-model',
    });
    try {
      const input: PipelineInput = { changes, readFile, backend, analyse: { concurrency: 4 } };
      const batch = comparable(await batchPipeline(input));
      const streamed = comparable(await runPipeline(input));
      expect(streamed).toEqual(batch);
    } finally {
      await backend.close?.();
    }
  });

  it('has findings, unclassified answers and skips among the fixtures, so the comparison covers them', async () => {
    const { backend } = await createBackend({
      backend: 'endpoint',
      endpoint: server.url,
      model: 'test-model',
    });
    const all = await Promise.all(
      cases.map(({ changes, readFile }) => runPipeline({ changes, readFile, backend })),
    );
    await backend.close?.();
    expect(all.reduce((n, r) => n + r.findings.length, 0)).toBeGreaterThan(5);
    expect(all.reduce((n, r) => n + r.unclassified.length, 0)).toBeGreaterThan(0);
    expect(all.reduce((n, r) => n + r.skipped.length, 0)).toBeGreaterThan(0);
  });
});

describe('streaming pipeline on a git repository', () => {
  let work: string;
  let repo: string;
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], {
      encoding: 'utf8',
    }).trim();

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vulnreview-stream-'));
    repo = join(work, 'repo');
    mkdirSync(repo);
    git('init', '-q');
    // Base: the demo project before its change, and the extraction fixture's C files.
    cpSync(here('../examples/demo/project'), repo, { recursive: true });
    git('apply', '-R', here('../examples/demo/change.patch'));
    cpSync(here('./testdata/extract/project/src'), join(repo, 'lib'), { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    // Head: the demo change, every rules fixture added, one library file re-indented (only moved), and
    // one function copied into a second file (asked once).
    cpSync(here('../examples/demo/project'), repo, { recursive: true });
    cpSync(here('./testdata/rules'), join(repo, 'rules'), { recursive: true });
    const bytebuf = readFileSync(join(repo, 'lib/bytebuf.c'), 'utf8');
    writeFileSync(join(repo, 'lib/bytebuf.c'), bytebuf.replace(/^ {4}/gm, '\t'));
    cpSync(join(repo, 'rules/unbounded-copy.bad.c'), join(repo, 'rules/copy-of-unbounded-copy.c'));
    git('add', '-A');
    git('commit', '-q', '-m', 'head');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('scan --base --head (streaming, one cat-file reader) writes the SARIF and JSON the batch pipeline with git show wrote', async () => {
    const sarifPath = join(work, 'streamed.sarif');
    let stdout = '';
    const code = await scan(
      scanOptionsFrom(
        {
          repo,
          base: 'HEAD~1',
          head: 'HEAD',
          backend: 'rules',
          cache: false,
          sarif: sarifPath,
          format: 'json',
        },
        {},
      ),
      { stdout: (t) => (stdout += t), stderr: () => {}, env: {} },
    );
    expect(code).toBe(0);

    const head = git('rev-parse', 'HEAD');
    const { backend } = await createBackend({ backend: 'rules' });
    const changes = parseUnifiedDiff(await diffText(repo, git('rev-parse', 'HEAD~1'), head));
    const headOnly = await batchPipeline({
      changes,
      readFile: (path) => showFile(repo, head, path),
      backend,
      extract: { maxFileBytes: 1024 * 1024 },
    });
    // The scan compares with the base too (baseline states): the same comparison, read with git show.
    const base = git('rev-parse', 'HEAD~1');
    const delta = await compareWithBase({
      changes,
      analyses: headOnly.analyses,
      findings: headOnly.findings,
      backend,
      readBaseFile: (path) => showFile(repo, base, path),
      analyse: {},
      maxFileBytes: 1024 * 1024,
    });
    const batch: PipelineResult = { ...headOnly, findings: delta.findings, baseline: delta.report };
    const referencePath = join(work, 'batch.sarif');
    await writeSarifFile(referencePath, batch, {
      backend: backend.name,
      model: backend.model,
      category: 'vulnreview/',
    });

    expect(readFileSync(sarifPath, 'utf8')).toBe(readFileSync(referencePath, 'utf8'));
    const withoutDuration = (text: string) => {
      const json = JSON.parse(text);
      json.stats.durationMs = 0;
      return json;
    };
    expect(withoutDuration(stdout)).toEqual(withoutDuration(renderJson(batch)));
    expect(batch.findings.length).toBeGreaterThan(10);
    // The re-indented file was only moved: none of its functions is analysed.
    expect(batch.functions.some((f) => f.file === 'lib/bytebuf.c')).toBe(false);
  });
});

/** A backend whose answers the test releases by hand, recording what it was asked and when. */
function heldBackend() {
  const asked: string[] = [];
  const waiting: (() => void)[] = [];
  let held = true;
  const backend: Backend = {
    name: 'rules',
    model: 'held',
    promptHash: 'h',
    async analyse(fn: FunctionInput): Promise<Verdict> {
      asked.push(fn.name ?? '');
      if (held) await new Promise<void>((resolve) => waiting.push(resolve));
      return {
        vulnerable: false,
        confidence: 0.1,
        rawAnswer: 'none',
        backend: 'rules',
        model: 'held',
        promptHash: 'h',
      };
    },
  };
  return {
    backend,
    asked,
    release() {
      held = false;
      for (const go of waiting.splice(0)) go();
    },
  };
}

/** `files` C files of `per` functions each, wholly added; `fileName(i)` names file i. */
function generated(files: number, per: number) {
  const text = (i: number) =>
    Array.from({ length: per }, (_, j) => `int f${i}_${j}(int x)\n{\n    return x + ${j};\n}\n`).join('\n');
  const changes = Array.from({ length: files }, (_, i) => wholeFileChange(`f${i}.c`, 'added'));
  return { changes, source: (path: string) => new TextEncoder().encode(text(Number(path.slice(1, -2)))) };
}

describe('streaming', () => {
  it('asks about the first file before the last one is read', async () => {
    const { changes, source } = generated(3, 2);
    let firstAsked!: () => void;
    const asked = new Promise<void>((resolve) => (firstAsked = resolve));
    const backend: Backend = {
      name: 'rules',
      model: 'm',
      promptHash: 'h',
      async analyse() {
        firstAsked();
        return {
          vulnerable: false,
          confidence: 0.1,
          rawAnswer: 'none',
          backend: 'rules',
          model: 'm',
          promptHash: 'h',
        };
      },
    };
    // The last file can only be read once a question was asked: a pipeline that extracts everything
    // first would wait here for ever (and the test time out).
    const readFile = async (path: string) => {
      if (path === 'f2.c') await asked;
      return source(path);
    };
    const result = await runPipeline({ changes, readFile, backend });
    expect(result.stats.analysed).toBe(6);
  });

  it('holds extraction back when the queue to the model is full, and loses nothing', async () => {
    const { changes, source } = generated(40, 5);
    let extracted = 0;
    const held = heldBackend();
    const running = runPipeline({
      changes,
      readFile: async (path) => source(path),
      backend: held.backend,
      extract: {
        onFunctions: (functions) => {
          extracted += functions.length;
        },
      },
      analyse: { concurrency: 2, queueSize: 8 },
    });
    // Let extraction run as far as it can while no answer comes.
    for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(held.asked).toHaveLength(2);
    // At most 8 functions queued without an outcome, plus the file whose functions wait to be handed
    // over: far from all 200.
    expect(extracted).toBeGreaterThanOrEqual(8);
    expect(extracted).toBeLessThanOrEqual(13);
    held.release();
    const result = await running;
    expect(extracted).toBe(200);
    expect(result.stats.analysed).toBe(200);
    expect(result.functions.map((f) => f.name)).toEqual(
      Array.from({ length: 40 }, (_, i) => Array.from({ length: 5 }, (_, j) => `f${i}_${j}`)).flat(),
    );
  });

  it('reports progress with a total that grows as functions are found and ends exact', async () => {
    const { changes, source } = generated(6, 3);
    const calls: [number, number, boolean][] = [];
    const { backend } = await createBackend({ backend: 'rules' });
    await runPipeline({
      changes,
      readFile: async (path) => source(path),
      backend,
      onProgress: (done, total, final) => calls.push([done, total, final]),
    });
    expect(calls.at(-1)).toEqual([18, 18, true]);
    expect(calls.filter(([, , final]) => final).every(([, total]) => total === 18)).toBe(true);
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
      expect(calls[i]![1]).toBeGreaterThanOrEqual(calls[i - 1]![1]);
    }
    expect(calls.every(([done, total]) => done <= total)).toBe(true);
    // The total was known in steps of a file, not only at the end.
    expect(new Set(calls.map(([, total]) => total)).size).toBeGreaterThan(2);
  });

  it('counts the time budget from the first function, and functions found after it ran out as unanalysed', async () => {
    const { changes, source } = generated(2, 2);
    const { backend } = await createBackend({ backend: 'rules' });
    // Reading the first file takes longer than the whole budget: the budget has not started yet.
    const slowStart = await runPipeline({
      changes: [changes[0]!],
      readFile: async (path) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return source(path);
      },
      backend,
      analyse: { budgetMs: 150 },
    });
    expect(slowStart.stats.analysed).toBe(2);
    // The second file arrives after the budget ran out: its functions are reported, not dropped.
    const late = await runPipeline({
      changes,
      readFile: async (path) => {
        if (path === 'f1.c') await new Promise((resolve) => setTimeout(resolve, 300));
        return source(path);
      },
      backend,
      analyse: { budgetMs: 150 },
    });
    expect(late.stats.analysed).toBe(2);
    expect(late.skipped.map((s) => `${s.function} ${s.reason}`)).toEqual([
      'f1_0 budget-exhausted',
      'f1_1 budget-exhausted',
    ]);
    expect(late.skipped[0]!.detail).toMatch(/time budget of 0.15 s ran out before its turn/);
  });

  it('asks once for a function that appears in several files, without a cache, and marks none as cached', async () => {
    const same = 'static int min_int(int a, int b)\n{\n    return a < b ? a : b;\n}\n';
    const files: Record<string, string> = {
      'a.c': `${same}\nint a(void) { return 1; }\n`,
      'b.c': `int b(void) { return 2; }\n\n${same}`,
      'c.c': same,
    };
    const asked: string[] = [];
    const backend: Backend = {
      name: 'rules',
      model: 'm',
      promptHash: 'h',
      async analyse(fn) {
        asked.push(`${fn.file} ${fn.name}`);
        return {
          vulnerable: true,
          confidence: 0.8,
          rawAnswer: 'yes',
          backend: 'rules',
          model: 'm',
          promptHash: 'h',
        };
      },
    };
    const result = await runPipeline({
      changes: Object.keys(files).map((f) => wholeFileChange(f, 'added')),
      readFile: async (path) => new TextEncoder().encode(files[path]),
      backend,
    });
    expect(asked).toEqual(['a.c min_int', 'a.c a', 'b.c b']);
    expect(result.findings.map((f) => `${f.fn.file} ${f.fn.name}`).sort()).toEqual([
      'a.c a',
      'a.c min_int',
      'b.c b',
      'b.c min_int',
      'c.c min_int',
    ]);
    expect(result.stats.cached).toBe(0);
  });
});
