// The PR bot's own cost around the analysis: a pull request of 10 C files × 100 changed functions, every
// function flagged by the offline rules (1,000 findings), run against the loopback GitHub API. Prints each
// stage's wall time, the GitHub requests a first run and a re-run make, and two ratios:
//   report share = (review planning + SARIF + summary) ÷ whole run   (target ≤ 0.10: the bot must not
//                  cost more than a tenth of a run even with the fastest backend there is)
//   requests per C file on the first run                          (target ≤ 2: listing is paged, reading
//                  is one call per file, the review is one call in all)
// Notes in bench/bot.md.
import { createGitHubClient } from '../src/github/client.ts';
import { apiReader } from '../src/github/contents.ts';
import type { PullRequestRef } from '../src/github/event.ts';
import { listPullRequestFiles, toFileChanges } from '../src/github/pr-files.ts';
import { applyReviewPlan, listExistingComments, listReviewBodies } from '../src/github/reviews.ts';
import { createBackend } from '../src/model/create.ts';
import { runPipeline } from '../src/pipeline.ts';
import { planReview } from '../src/report/review.ts';
import { buildSarif } from '../src/report/sarif.ts';
import { renderSummary } from '../src/report/summary.ts';
import { type FakePrFile, startGitHubServer } from '../test/helpers/github-server.ts';

const FILES = 10;
const PER_FILE = 100;
const HEAD = 'f'.repeat(40);

function fileText(f: number): string {
  return Array.from(
    { length: PER_FILE },
    (_, i) =>
      `void copy_${f}_${i}(char *dst, const char *src)\n{\n    char buf[${16 + i}];\n    strcpy(buf, src);\n    strcpy(dst, buf);\n}\n`,
  ).join('\n');
}

function added(filename: string, text: string): FakePrFile {
  const lines = text.slice(0, -1).split('\n');
  return {
    filename,
    status: 'added',
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}

async function timed<T>(times: Record<string, number>, name: string, work: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const value = await work();
  times[name] = (times[name] ?? 0) + performance.now() - t0;
  return value;
}

export default async function (): Promise<void> {
  const texts = Array.from({ length: FILES }, (_, f) => [`src/f${f}.c`, fileText(f)] as const);
  const gh = await startGitHubServer({
    files: texts.map(([name, text]) => added(name, text)),
    contents: new Map(texts.map(([name, text]) => [`${HEAD}:${name}`, text])),
  });
  const pr: PullRequestRef = {
    owner: 'octo',
    repo: 'demo',
    number: 7,
    baseSha: 'e'.repeat(40),
    headSha: HEAD,
  };
  const octokit = createGitHubClient({ token: 't', baseUrl: gh.url, pacing: false });
  const { backend } = await createBackend({ backend: 'rules' });

  const runOnce = async () => {
    const times: Record<string, number> = {};
    const started = performance.now();
    const files = await timed(times, 'list files', () => listPullRequestFiles(octokit, pr));
    const { changes } = toFileChanges(files);
    const result = await timed(times, 'read + extract + analyse', () =>
      runPipeline({ changes, readFile: apiReader(octokit, pr, new Map(), () => {}), backend }),
    );
    const existing = await timed(times, 'list comments', async () => [
      await listExistingComments(octokit, pr),
      await listReviewBodies(octokit, pr),
    ]);
    const plan = await timed(times, 'report: plan review', () =>
      planReview({
        findings: result.findings,
        changes,
        existing: existing[0] as Awaited<ReturnType<typeof listExistingComments>>,
        existingReviewBodies: existing[1] as string[],
        maxComments: 30,
      }),
    );
    await timed(times, 'post review', () => applyReviewPlan(octokit, pr, plan, { warn: () => {} }));
    await timed(times, 'report: SARIF', () =>
      JSON.stringify(
        buildSarif({
          findings: result.findings,
          skipped: [],
          unclassified: [],
          analysed: result.stats.analysed,
          backend: 'rules',
          model: backend.model,
          category: 'vulnreview/',
        }),
      ),
    );
    await timed(times, 'report: summary', () =>
      renderSummary(result, { backend: 'rules', model: backend.model, durationMs: 0 }),
    );
    return { times, total: performance.now() - started, findings: result.findings.length };
  };

  await runOnce(); // warm-up: tree-sitter and the rules engine load once per process
  gh.comments.length = 0;
  gh.reviews.length = 0;
  gh.requests.length = 0;
  const first = await runOnce();
  const firstRequests = gh.requests.length;
  const firstWrites = gh.writes().length;
  const rerun = await runOnce();
  const rerunRequests = gh.requests.length - firstRequests;
  const rerunWrites = gh.writes().length - firstWrites;
  await gh.close();

  console.log(`${FILES} files × ${PER_FILE} functions, ${first.findings} findings (rules backend)`);
  console.log('stage                       first run   re-run');
  for (const stage of Object.keys(first.times)) {
    console.log(
      `${stage.padEnd(28)}${first.times[stage]!.toFixed(0).padStart(6)} ms${rerun.times[stage]!.toFixed(0).padStart(7)} ms`,
    );
  }
  console.log(
    `${'whole run'.padEnd(28)}${first.total.toFixed(0).padStart(6)} ms${rerun.total.toFixed(0).padStart(7)} ms`,
  );
  const report = Object.entries(first.times)
    .filter(([k]) => k.startsWith('report:'))
    .reduce((s, [, v]) => s + v, 0);
  console.log(
    `GitHub requests: first run ${firstRequests} (${firstWrites} writes), re-run ${rerunRequests} (${rerunWrites} writes)`,
  );
  console.log(`ratio report share = ${(report / first.total).toFixed(3)} (target ≤ 0.10)`);
  console.log(`ratio requests per C file = ${(firstRequests / FILES).toFixed(2)} (target ≤ 2)`);
}
