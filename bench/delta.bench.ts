// The delta on the shared paired data (../shared/data/sven-train.jsonl: each group is one CVE fix, the
// function before it and after it), with the offline rules backend, through the real pipeline in git mode:
// every pair becomes two one-file pull requests in a scratch repository — one that introduces the flaw
// (base: the fixed version, head: the vulnerable one) and one that fixes it (the other way round).
// Measured, in one run:
// - PR-level alarms under `report: all` and `report: new`: a comment on a fixing PR is a false alarm on a
//   fix; on an introducing PR it is a catch (what `new` costs in catches is said too);
// - the extra cost of the base side: backend requests per PR without the delta, with it on a cold cache,
//   and on a warm one (a second push to the same PR: head edited, base unchanged);
// - the wall time of the pipeline with the delta against without it (the ratio).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUnifiedDiff } from '../src/diff/parse.ts';
import { diffText } from '../src/git/local.ts';
import { GitObjectReader } from '../src/git/objects.ts';
import type { Backend } from '../src/model/backend.ts';
import { MemoryVerdictCache } from '../src/model/cache.ts';
import { createRulesBackend } from '../src/model/rules/index.ts';
import { runPipeline } from '../src/pipeline.ts';
import { reportedFindings } from '../src/report/baseline.ts';
import type { PipelineResult } from '../src/result.ts';
import type { FileChange } from '../src/types.ts';

const dataFile = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'shared',
  'data',
  'sven-train.jsonl',
);
/** The gate the PRs are judged with: every finding the rules backend reports is ≥ 0.5. */
const FAIL_ON = 0.5;

interface Row {
  source: string;
  label: 0 | 1;
  lang: 'c' | 'cpp';
  group: string;
}

/** A backend that counts the questions it is asked (a request, for an endpoint). */
function counting(inner: Backend): Backend & { calls: number } {
  const wrapped = {
    name: inner.name,
    model: inner.model,
    promptHash: inner.promptHash,
    calls: 0,
    analyse: (fn: Parameters<Backend['analyse']>[0], signal?: AbortSignal) => {
      wrapped.calls++;
      return inner.analyse(fn, signal);
    },
  };
  return wrapped;
}

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', ['-C', repo, '-c', 'user.email=b@example.com', '-c', 'user.name=b', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Commits `files` (path → text) on top of the repository's HEAD and returns the new commit id. */
function commit(repo: string, files: Map<string, string>, message: string): string {
  for (const [path, text] of files) writeFileSync(join(repo, path), text);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** One PR per changed file between two commits. */
async function prsBetween(repo: string, base: string, head: string): Promise<Map<string, FileChange[]>> {
  const changes = parseUnifiedDiff(await diffText(repo, base, head));
  return new Map(changes.map((c) => [c.path, [c]]));
}

interface Tally {
  prs: number;
  commentedAll: number;
  commentedNew: number;
  failedAll: number;
  failedNew: number;
  headRequests: number;
  baseRequests: number;
  baseCached: number;
  ms: number;
}

const tally = (): Tally => ({
  prs: 0,
  commentedAll: 0,
  commentedNew: 0,
  failedAll: 0,
  failedNew: 0,
  headRequests: 0,
  baseRequests: 0,
  baseCached: 0,
  ms: 0,
});

function count(t: Tally, r: PipelineResult): void {
  t.prs++;
  const all = r.findings;
  const fresh = reportedFindings(r.findings, 'new');
  if (all.length > 0) t.commentedAll++;
  if (fresh.length > 0) t.commentedNew++;
  if (all.some((f) => f.verdict.confidence >= FAIL_ON)) t.failedAll++;
  if (fresh.some((f) => f.verdict.confidence >= FAIL_ON)) t.failedNew++;
  t.baseRequests += r.baseline?.stats.baseRequests ?? 0;
  t.baseCached += r.baseline?.stats.baseCached ?? 0;
}

/** Runs every PR of `prs` (head at `head`, base at `base`) and tallies it. */
async function runAll(
  repo: string,
  prs: Map<string, FileChange[]>,
  head: string,
  base: string,
  options: { delta: boolean; caches?: Map<string, MemoryVerdictCache> },
): Promise<Tally> {
  const t = tally();
  const rules = await createRulesBackend();
  // One batched reader for both sides, as `scan --repo` reads them.
  const objects = new GitObjectReader(repo);
  const readBase = (p: string) => objects.read(base, p);
  try {
    for (const [path, changes] of prs) {
      const backend = counting(rules);
      const cache = options.caches?.get(path) ?? new MemoryVerdictCache();
      options.caches?.set(path, cache);
      const started = performance.now();
      const r = await runPipeline({
        changes,
        readFile: (p) => objects.read(head, p),
        backend,
        analyse: { cache, concurrency: 8 },
        ...(options.delta ? { baseline: { readBaseFile: readBase } } : {}),
      });
      t.ms += performance.now() - started;
      count(t, r);
      t.headRequests += backend.calls - (r.baseline?.stats.baseRequests ?? 0);
    }
  } finally {
    await rules.close?.();
    await objects.close();
  }
  return t;
}

const pct = (n: number, d: number) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);

export default async function (): Promise<void> {
  if (!existsSync(dataFile)) {
    console.log(`delta: skipped, no paired data at ../shared/data (looked for ${dataFile})`);
    return;
  }
  const rows = readFileSync(dataFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(row.group, [...(groups.get(row.group) ?? []), row]);
  const pairs = [...groups.values()].filter(
    (g) => g.length === 2 && g.some((r) => r.label === 1) && g.some((r) => r.label === 0),
  );

  const repo = mkdtempSync(join(tmpdir(), 'vulnreview-delta-bench-'));
  try {
    git(repo, 'init', '-q');
    mkdirSync(join(repo, 'src'));
    const name = (i: number, lang: string) =>
      `src/p${String(i).padStart(4, '0')}.${lang === 'cpp' ? 'cpp' : 'c'}`;
    const side = (label: 0 | 1, edit = '') =>
      new Map(
        pairs.map((g, i) => {
          const row = g.find((r) => r.label === label)!;
          // The second push: a comment line in every function, so the head side is asked again.
          const text = edit ? row.source.replace('{', `{\n    ${edit}`) : row.source;
          return [name(i, row.lang), `${text}\n`];
        }),
      );
    const fixed = commit(repo, side(0), 'fixed versions');
    const vulnerable = commit(repo, side(1), 'vulnerable versions');
    const vulnerable2 = commit(repo, side(1, '/* second push */'), 'vulnerable versions, pushed again');
    const fixedAgain = commit(repo, side(0), 'fixed versions again');
    const fixed2 = commit(repo, side(0, '/* second push */'), 'fixed versions, pushed again');

    const introduce = await prsBetween(repo, fixed, vulnerable);
    // Each fixing PR is exactly the reverse of its introducer: base the vulnerable versions, head the fixed.
    const fixPrs = await prsBetween(repo, vulnerable, fixedAgain);

    const plain = await runAll(repo, introduce, vulnerable, fixed, { delta: false });
    const introCaches = new Map<string, MemoryVerdictCache>();
    const intro = await runAll(repo, introduce, vulnerable, fixed, { delta: true, caches: introCaches });
    const introWarm = await runAll(repo, await prsBetween(repo, fixed, vulnerable2), vulnerable2, fixed, {
      delta: true,
      caches: introCaches,
    });
    const fixCaches = new Map<string, MemoryVerdictCache>();
    const fixRun = await runAll(repo, fixPrs, fixedAgain, vulnerable, { delta: true, caches: fixCaches });
    const fixWarm = await runAll(repo, await prsBetween(repo, vulnerable, fixed2), fixed2, vulnerable, {
      delta: true,
      caches: fixCaches,
    });

    console.log(
      `delta: ${pairs.length} SVEN pairs, ${intro.prs} PRs each way (pairs whose two sides differ), rules backend, gate at ${FAIL_ON}`,
    );
    console.log('');
    console.log('PR-level alarms (a PR with at least one comment / a failed check):');
    console.log(
      `  fixing PRs (false alarms):   report all ${fixRun.commentedAll} (${pct(fixRun.commentedAll, fixRun.prs)}) / ${fixRun.failedAll}` +
        `   report new ${fixRun.commentedNew} (${pct(fixRun.commentedNew, fixRun.prs)}) / ${fixRun.failedNew}` +
        `   removed by new: ${fixRun.commentedAll - fixRun.commentedNew} of ${fixRun.commentedAll}`,
    );
    console.log(
      `  introducing PRs (catches):   report all ${intro.commentedAll} (${pct(intro.commentedAll, intro.prs)}) / ${intro.failedAll}` +
        `   report new ${intro.commentedNew} (${pct(intro.commentedNew, intro.prs)}) / ${intro.failedNew}` +
        `   lost by new: ${intro.commentedAll - intro.commentedNew} of ${intro.commentedAll}`,
    );
    console.log('');
    console.log('Backend requests (introducing PRs; a request per function for an endpoint):');
    console.log(`  without the delta:           ${plain.headRequests} (head only)`);
    console.log(
      `  with it, cold cache:         ${intro.headRequests} head + ${intro.baseRequests} base = ${((intro.headRequests + intro.baseRequests) / plain.headRequests).toFixed(2)}x`,
    );
    console.log(
      `  with it, second push (warm): ${introWarm.headRequests} head + ${introWarm.baseRequests} base (${introWarm.baseCached} base verdicts from cache) = ${((introWarm.headRequests + introWarm.baseRequests) / plain.headRequests).toFixed(2)}x`,
    );
    console.log(
      `  fixing PRs, cold / warm:     ${fixRun.headRequests} + ${fixRun.baseRequests} / ${fixWarm.headRequests} + ${fixWarm.baseRequests} (${fixWarm.baseCached} from cache)`,
    );
    console.log('');
    console.log(
      `Pipeline wall time, introducing PRs: ${plain.ms.toFixed(0)} ms without the delta, ${intro.ms.toFixed(0)} ms with it (ratio ${(intro.ms / plain.ms).toFixed(2)}), ${introWarm.ms.toFixed(0)} ms on the second push`,
    );
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
