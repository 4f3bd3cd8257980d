// Large changes, end to end through `vulnreview scan` in git mode: a generated C/C++ code base of 10,000
// functions (bench/corpus.ts) committed to a throwaway repository, then
//   1. the whole scan with the rules backend, as a multiple of raw tree-sitter parsing of the same files
//      in the same process (target ≤ 4); beside it the same pipeline with a backend that answers at once,
//      which is everything but the rules (git, diff, extraction, moved check, orchestration, reports);
//   2. the same for a re-indent-only change of every file (target: no slower than adding the files);
//   3. the whole scan against a loopback model endpoint answering after 50 ms, 64 requests in flight, as
//      a multiple of the ideal requests × 50 ms ÷ 64 (target ≤ 1.5), beside the batch orchestration of
//      0.1.0 (extract everything, then ask) on the same change in the same run;
//   4. CPU and peak memory per function from 4,000 to 40,000 functions, each scan in a fresh process
//      (bench/scale-child.ts), added and re-indented (target: flat).
// Environment: VULNREVIEW_SCALE_FUNCTIONS (default 10000) sizes 1–3; VULNREVIEW_SCALE_PARTS picks parts
// (default `parse,endpoint,curve`).
// Notes: bench/scale.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scan, scanOptionsFrom } from '../src/commands/scan.ts';
import { parseUnifiedDiff } from '../src/diff/parse.ts';
import { findChangedFunctions } from '../src/extract/index.ts';
import { languageOf } from '../src/extract/language.ts';
import { createParser } from '../src/extract/languages.ts';
import { diffText } from '../src/git/local.ts';
import { GitObjectReader } from '../src/git/objects.ts';
import { analyseAll } from '../src/model/analyse.ts';
import type { Backend } from '../src/model/backend.ts';
import { createEndpointBackend } from '../src/model/endpoint.ts';
import { PD1 } from '../src/model/prompts.ts';
import { runPipeline } from '../src/pipeline.ts';
import type { Lang } from '../src/types.ts';
import { startModelServerThread, type ThreadedModelServer } from '../test/helpers/model-server.ts';
import { type CorpusFile, reindent } from './corpus.ts';
import type { ScanFigures } from './scale-child.ts';
import { makeScaleRepo, type ScaleRepo } from './scale-repo.ts';

const FUNCTIONS = Number(process.env.VULNREVIEW_SCALE_FUNCTIONS ?? 10_000);
const PARTS = new Set((process.env.VULNREVIEW_SCALE_PARTS ?? 'parse,endpoint,curve').split(','));
const CURVE = [4_000, 10_000, 20_000, 40_000];
const ROUNDS = 3;
const LATENCY_MS = 50;
const IN_FLIGHT = 64;
const TARGET_PARSE_MULTIPLE = 4;
const TARGET_IDEAL_MULTIPLE = 1.5;

const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function gitAvailable(): boolean {
  try {
    execFileSync('git', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Raw tree-sitter: parse and free every file, nothing else. */
async function rawParser(): Promise<(files: readonly CorpusFile[]) => number> {
  const parsers = { c: await createParser('c'), cpp: await createParser('cpp') };
  return (files) => {
    const started = performance.now();
    for (const f of files) parsers[languageOf(f.path, f.text) as Lang].parse(f.text)?.delete();
    return performance.now() - started;
  };
}

/** `vulnreview scan --base A --head B --backend rules --no-cache --format json`, in this process. */
async function scanRules(repo: ScaleRepo, base: string, head: string, sarif: string) {
  let stdout = '';
  const started = performance.now();
  await scan(
    scanOptionsFrom(
      { repo: repo.dir, base, head, backend: 'rules', cache: false, sarif, format: 'json' },
      {},
    ),
    { stdout: (t) => (stdout += t), stderr: () => {}, env: {} },
  );
  const ms = performance.now() - started;
  const { stats } = JSON.parse(stdout) as { stats: { changedFunctions: number; findings: number } };
  return { ms, functions: stats.changedFunctions, findings: stats.findings };
}

/** The pipeline on the same change with a backend that answers at once: everything but the backend. */
const instant: Backend = {
  name: 'rules',
  model: 'instant',
  promptHash: 'instant',
  analyse: async () => ({
    vulnerable: false,
    confidence: 0.05,
    rawAnswer: 'none',
    backend: 'rules',
    model: 'instant',
    promptHash: 'instant',
  }),
};

async function pipelineWith(repo: ScaleRepo, base: string, head: string, backend: Backend) {
  const started = performance.now();
  const objects = new GitObjectReader(repo.dir);
  try {
    const changes = parseUnifiedDiff(await diffText(repo.dir, base, head));
    const result = await runPipeline({ changes, readFile: (p) => objects.read(head, p), backend });
    return { ms: performance.now() - started, functions: result.functions.length };
  } finally {
    await objects.close();
  }
}

async function parseMultiples(repo: ScaleRepo, work: string): Promise<void> {
  const parse = await rawParser();
  const reindented = repo.files.map((f) => ({ path: f.path, text: reindent(f.text) }));
  const bytes = repo.files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
  // Warm-up: JIT, grammars, the rules' parsers, on the first files.
  parse(repo.files.slice(0, 40));
  await scanRules(repo, repo.empty, repo.added, join(work, 'warm.sarif'));

  const best = {
    parse: Infinity,
    parseRe: Infinity,
    add: Infinity,
    re: Infinity,
    addBare: Infinity,
    reBare: Infinity,
  };
  let counts = { added: 0, findings: 0, reindented: 0 };
  for (let round = 1; round <= ROUNDS; round++) {
    const parseMs = parse(repo.files);
    const add = await scanRules(repo, repo.empty, repo.added, join(work, 'add.sarif'));
    const addBare = await pipelineWith(repo, repo.empty, repo.added, instant);
    const parseReMs = parse(reindented);
    const re = await scanRules(repo, repo.added, repo.reindent, join(work, 're.sarif'));
    const reBare = await pipelineWith(repo, repo.added, repo.reindent, instant);
    counts = { added: add.functions, findings: add.findings, reindented: re.functions };
    console.log(
      `  round ${round} (${load()}): parse ${s(parseMs)}, scan added ${s(add.ms)}, pipeline added (instant backend) ${s(addBare.ms)}; ` +
        `parse re-indented ${s(parseReMs)}, scan re-indent ${s(re.ms)}, pipeline re-indent ${s(reBare.ms)}`,
    );
    best.parse = Math.min(best.parse, parseMs);
    best.parseRe = Math.min(best.parseRe, parseReMs);
    best.add = Math.min(best.add, add.ms);
    best.re = Math.min(best.re, re.ms);
    best.addBare = Math.min(best.addBare, addBare.ms);
    best.reBare = Math.min(best.reBare, reBare.ms);
  }
  const addMultiple = best.add / best.parse;
  const reMultiple = best.re / best.parseRe;
  console.log(
    `corpus: ${repo.files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${counts.added} changed functions when added ` +
      `(${counts.findings} findings), ${counts.reindented} when only re-indented; best of ${ROUNDS} rounds`,
  );
  console.log(
    `  whole scan, rules backend, files added : ${s(best.add)} = ${addMultiple.toFixed(2)} × raw parsing (${s(best.parse)}) ` +
      `(target ≤ ${TARGET_PARSE_MULTIPLE}: ${addMultiple <= TARGET_PARSE_MULTIPLE ? 'met' : 'NOT met'})`,
  );
  console.log(
    `  of which without the rules (instant backend): ${s(best.addBare)} = ${(best.addBare / best.parse).toFixed(2)} × raw parsing`,
  );
  console.log(
    `  whole scan, re-indent only             : ${s(best.re)} = ${reMultiple.toFixed(2)} × raw parsing (${s(best.parseRe)}); ` +
      `re-indent ÷ added ${(best.re / best.add).toFixed(2)} (target ≤ 1: ${best.re <= best.add ? 'met' : 'NOT met'})`,
  );
  console.log(
    `  of which without the rules (instant backend): ${s(best.reBare)} = ${(best.reBare / best.parseRe).toFixed(2)} × raw parsing`,
  );
}

interface Timed {
  ms: number;
  requests: number;
  /** Share of the wall time the main thread was busy, and process CPU (both threads) per request. */
  busy: number;
  cpuPerRequestMs: number;
}

async function timed(server: ThreadedModelServer, run: () => Promise<void>): Promise<Timed> {
  await server.reset();
  const elu = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run();
  const ms = performance.now() - started;
  const busy = performance.eventLoopUtilization(elu).utilization;
  const used = process.cpuUsage(cpu);
  const { chatRequests } = await server.stats();
  return {
    ms,
    requests: chatRequests,
    busy,
    cpuPerRequestMs: (used.user + used.system) / 1000 / chatRequests,
  };
}

async function endpointMultiple(repo: ScaleRepo): Promise<void> {
  const server = await startModelServerThread({
    latencyMs: LATENCY_MS,
    yesWhenCodeMatches: 'strcpy|sprintf',
  });
  const endpoint = () => createEndpointBackend({ baseUrl: server.url, model: 'bench-model', prompt: PD1 });
  const ideal = (requests: number) => (requests * LATENCY_MS) / IN_FLIGHT;
  try {
    // Warm-up (keep-alive sockets, JIT) on a slice of the change.
    const warm = await endpoint();
    await analyseAll(
      repo.files.slice(0, 10).map((f) => ({ source: f.text.slice(0, 2000), lang: 'c' as const })),
      warm,
      { concurrency: IN_FLIGHT },
    );
    await warm.close?.();

    // The whole scan as a user runs it: `vulnreview scan --backend endpoint --concurrency 64 --no-cache`.
    const wholeScan = () =>
      timed(server, async () => {
        await scan(
          scanOptionsFrom(
            {
              repo: repo.dir,
              base: repo.empty,
              head: repo.added,
              backend: 'endpoint',
              endpoint: server.url,
              model: 'bench-model',
              concurrency: String(IN_FLIGHT),
              cache: false,
              sarif: join(tmpdir(), `vulnreview-scale-${process.pid}.sarif`),
              format: 'json',
            },
            {},
          ),
          { stdout: () => {}, stderr: () => {}, env: {} },
        );
      });
    // The orchestration alone, on the same change and reader: streaming (runPipeline) against the 0.1.0
    // order (every function extracted, then asked), in alternation, so load hits both alike.
    const orchestration = (streaming: boolean) =>
      timed(server, async () => {
        const backend = await endpoint();
        const objects = new GitObjectReader(repo.dir);
        const readFile = (p: string) => objects.read(repo.added, p);
        try {
          const changes = parseUnifiedDiff(await diffText(repo.dir, repo.empty, repo.added));
          if (streaming) {
            await runPipeline({ changes, readFile, backend, analyse: { concurrency: IN_FLIGHT } });
          } else {
            const { functions } = await findChangedFunctions(changes, readFile);
            await analyseAll(functions, backend, { concurrency: IN_FLIGHT });
          }
        } finally {
          await objects.close();
          await backend.close?.();
        }
      });

    const best = { scan: undefined as Timed | undefined, streamed: Infinity, batch: Infinity };
    const line = (t: Timed) =>
      `${s(t.ms)} = ${(t.ms / ideal(t.requests)).toFixed(2)} × ideal (main thread busy ${(t.busy * 100).toFixed(0)}%, ${t.cpuPerRequestMs.toFixed(2)} ms CPU per request)`;
    for (let round = 1; round <= ROUNDS; round++) {
      const whole = await wholeScan();
      const streamed = await orchestration(true);
      const batch = await orchestration(false);
      console.log(`  round ${round} (${load()}): whole scan ${line(whole)}`);
      console.log(`    streaming pipeline ${line(streamed)}; batch (0.1.0 order) ${line(batch)}`);
      if (!best.scan || whole.ms < best.scan.ms) best.scan = whole;
      best.streamed = Math.min(best.streamed, streamed.ms);
      best.batch = Math.min(best.batch, batch.ms);
    }
    const scanned = best.scan!;
    const multiple = scanned.ms / ideal(scanned.requests);
    console.log(
      `endpoint at ${LATENCY_MS} ms, ${IN_FLIGHT} in flight: ${scanned.requests} requests for ${FUNCTIONS} functions (identical ones asked once), ideal ${s(ideal(scanned.requests))}; best of ${ROUNDS} rounds`,
    );
    console.log(
      `  whole scan: ${s(scanned.ms)} = ${multiple.toFixed(2)} × ideal (target ≤ ${TARGET_IDEAL_MULTIPLE}: ${multiple <= TARGET_IDEAL_MULTIPLE ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  streaming ÷ batch orchestration: ${(best.streamed / best.batch).toFixed(2)} (${s(best.streamed)} vs ${s(best.batch)})`,
    );
  } finally {
    await server.close();
  }
}

function child(args: Record<string, string>): ScanFigures {
  const script = fileURLToPath(new URL('./scale-child.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, JSON.stringify(args)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as ScanFigures;
}

async function curve(work: string): Promise<void> {
  console.log('per-function cost, each scan in a fresh process (rules backend, CPU includes git):');
  console.log(
    '  functions | change    | wall    | CPU ms/fn | git CPU ms/fn | peak RSS | (peak − start) KiB/fn | load',
  );
  for (const n of CURVE) {
    const dir = join(work, `curve-${n}`);
    const repo = makeScaleRepo(dir, n);
    for (const [label, base, head] of [
      ['added', repo.empty, repo.added],
      ['re-indent', repo.added, repo.reindent],
    ] as const) {
      const f = child({ repo: dir, base, head, sarif: join(work, `curve-${n}.sarif`) });
      console.log(
        `  ${String(n).padStart(9)} | ${label.padEnd(9)} | ${s(f.wallMs).padStart(7)} | ${((f.cpuMs + f.childCpuMs) / n).toFixed(3).padStart(9)} | ` +
          `${(f.childCpuMs / n).toFixed(3).padStart(13)} | ${(f.peakRssKb / 1024).toFixed(0).padStart(4)} MiB | ` +
          `${((f.peakRssKb - f.rssBeforeKb) / n).toFixed(2).padStart(21)} | ${loadavg()[0]!.toFixed(1)}`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<void> {
  if (!gitAvailable()) {
    console.log('git is not installed: the scale bench needs it to build its repository; skipped');
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'vulnreview-scale-'));
  try {
    const repo = makeScaleRepo(join(work, 'repo'), FUNCTIONS);
    if (PARTS.has('parse')) await parseMultiples(repo, work);
    if (PARTS.has('endpoint')) await endpointMultiple(repo);
    if (PARTS.has('curve')) await curve(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
