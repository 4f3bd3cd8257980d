// The action: pull request → pipeline → SARIF, review, summary, outputs, gate. main.ts only calls run().
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { actionsVerdictCache } from './actions-cache.ts';
import { configFromInputs, type RunConfig } from './config.ts';
import { languageOf } from './extract/language.ts';
import { fileWarnings } from './extract/warnings.ts';
import { createGitHubClient, type GitHubClient } from './github/client.ts';
import { apiReader, directoryReader, type FileReader, workspaceHeadSha } from './github/contents.ts';
import { PULL_REQUEST_EVENTS, type PullRequestRef, readPullRequestEvent } from './github/event.ts';
import { listPullRequestFiles, type PrFile, toFileChanges, unlistedSkip } from './github/pr-files.ts';
import {
  applyReviewPlan,
  listExistingComments,
  listReviewBodies,
  type ReviewOutcome,
  whoAmI,
} from './github/reviews.ts';
import type { Backend } from './model/backend.ts';
import { createBackend } from './model/create.ts';
import { emptyPipelineResult, runPipeline, withSkipped } from './pipeline.ts';
import { evaluateGate } from './report/gate.ts';
import { planReview } from './report/review.ts';
import { writeSarifFile } from './report/sarif.ts';
import { renderSummary } from './report/summary.ts';
import { type PipelineResult, unanalysedCount } from './result.ts';
import type { FileChange } from './types.ts';

function setOutputs(values: {
  findings: number;
  high: number;
  analysed: number;
  skipped: number;
  sarif: string;
}) {
  core.setOutput('findings', values.findings);
  core.setOutput('high-confidence-findings', values.high);
  core.setOutput('analysed-functions', values.analysed);
  core.setOutput('skipped-functions', values.skipped);
  core.setOutput('sarif-file', values.sarif);
}

/** Files at the head SHA: from the workspace only when it is checked out at exactly that commit. */
async function chooseReader(
  octokit: GitHubClient,
  pr: PullRequestRef,
  files: Map<string, string>,
): Promise<FileReader> {
  const workspace = process.env.GITHUB_WORKSPACE;
  if (workspace && (await workspaceHeadSha(workspace)) === pr.headSha) {
    core.info(`Reading files from the workspace (checked out at ${pr.headSha.slice(0, 12)})`);
    return directoryReader(workspace);
  }
  core.info(`Reading files at ${pr.headSha.slice(0, 12)} through the GitHub API`);
  return apiReader(octokit, pr, files, (m) => core.warning(m));
}

async function postReview(
  octokit: GitHubClient,
  pr: PullRequestRef,
  config: RunConfig,
  changes: FileChange[],
  result: PipelineResult,
  /** GitHub did not list every file (past its 3000-file cap). */
  partialListing: boolean,
): Promise<ReviewOutcome | undefined> {
  try {
    const self = await whoAmI(octokit);
    const [existing, bodies] = await Promise.all([
      listExistingComments(octokit, pr),
      listReviewBodies(octokit, pr, self),
    ]);
    const incompletePaths = new Set([
      ...result.skipped.filter((s) => s.reason !== 'ignored-path').map((s) => s.file),
      ...result.unclassified.map((u) => u.fn.file),
    ]);
    // Past GitHub's file-listing cap, a comment on a file not listed is about code this run never saw.
    if (partialListing) {
      const listed = new Set(changes.map((c) => c.path));
      for (const c of existing) if (!listed.has(c.path)) incompletePaths.add(c.path);
    }
    const plan = planReview({
      findings: result.findings,
      changes,
      existing,
      existingReviewBodies: bodies,
      self,
      maxComments: config.maxComments,
      incompletePaths,
      category: config.category,
    });
    const { GITHUB_SERVER_URL, GITHUB_RUN_ID } = process.env;
    const outcome = await applyReviewPlan(octokit, pr, plan, {
      unanalysed: unanalysedCount(result),
      ...(GITHUB_RUN_ID
        ? {
            summaryUrl: `${GITHUB_SERVER_URL ?? 'https://github.com'}/${pr.owner}/${pr.repo}/actions/runs/${GITHUB_RUN_ID}`,
          }
        : {}),
      warn: (m) => core.warning(m),
    });
    if (outcome.readOnly) {
      core.warning(
        'vulnreview could not post review comments: the token is read-only (a pull request from a fork, or missing `pull-requests: write`). Findings are in the SARIF file and the job summary.',
      );
    } else {
      core.info(
        `Review: ${outcome.inline} inline, ${outcome.fileLevel} file-level, ${outcome.inBody} in the body, ${plan.alreadyPosted} already posted, ${outcome.removed} removed, ${outcome.markedFixed} marked fixed`,
      );
    }
    return outcome;
  } catch (error) {
    // The review is a convenience on top of SARIF and the summary: its failure must not hide them.
    core.warning(
      `vulnreview could not update the review comments: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
}

interface Analysed {
  result: PipelineResult;
  backend?: Backend;
  notice?: string;
}

/** The pipeline over the PR's change; no backend is even created when the change has no C/C++. */
async function analyse(
  config: RunConfig,
  apiKey: string | undefined,
  octokit: GitHubClient,
  pr: PullRequestRef,
  files: PrFile[],
  changes: FileChange[],
): Promise<Analysed> {
  if (!changes.some((c) => c.status !== 'deleted' && languageOf(c.path) !== undefined)) {
    core.notice(
      `vulnreview: this pull request changes ${changes.length} ${changes.length === 1 ? 'file' : 'files'}, none of them C or C++: nothing to analyse.`,
    );
    return { result: emptyPipelineResult(changes) };
  }
  const { backend, notice } = await createBackend({
    backend: config.backend,
    endpoint: config.endpoint,
    model: config.model,
    apiKey,
    prompt: config.prompt,
    timeoutSeconds: config.timeoutSeconds,
  });
  if (notice) core.notice(notice);
  const verdicts = config.cache
    ? actionsVerdictCache(backend, pr.headSha, process.env.RUNNER_TEMP ?? tmpdir())
    : undefined;
  await verdicts?.restore();
  const blobShas = new Map(files.flatMap((f) => (f.sha ? [[f.filename, f.sha] as [string, string]] : [])));
  let result: PipelineResult;
  try {
    result = await runPipeline({
      changes,
      readFile: await chooseReader(octokit, pr, blobShas),
      backend,
      extract: {
        maxFileBytes: config.maxFileBytes,
        paths: config.paths,
        pathsIgnore: config.pathsIgnore,
        ...(config.macros ? { macrosFile: config.macros } : {}),
        onWarning: (message) => core.warning(`vulnreview: ${message}`),
      },
      analyse: {
        concurrency: config.concurrency,
        ...(config.timeBudgetSeconds !== undefined ? { budgetMs: config.timeBudgetSeconds * 1000 } : {}),
        onCacheError: (e) => core.warning(`Verdict cache: ${e.message}`),
        ...(verdicts ? { cache: verdicts.cache } : {}),
      },
    });
  } finally {
    await backend.close?.();
  }
  await verdicts?.save();
  return notice ? { result, backend, notice } : { result, backend };
}

/** For tests: settings of the GitHub client that production leaves at their defaults. */
export interface RunOverrides {
  github?: { pacing?: boolean };
}

export async function run(overrides: RunOverrides = {}): Promise<void> {
  const started = performance.now();
  let config: RunConfig;
  try {
    config = configFromInputs((name) => core.getInput(name));
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
    return;
  }
  const token = core.getInput('github-token');
  const apiKey = config.apiKey ?? process.env.VULNREVIEW_API_KEY;
  if (token) core.setSecret(token);
  if (apiKey) core.setSecret(apiKey);

  const eventName = process.env.GITHUB_EVENT_NAME ?? '';
  if (!PULL_REQUEST_EVENTS.has(eventName)) {
    core.notice(
      `vulnreview reviews pull requests; the "${eventName || 'unknown'}" event has none, so there is nothing to analyse. Use \`vulnreview scan --base REF\` for other changes.`,
    );
    setOutputs({ findings: 0, high: 0, analysed: 0, skipped: 0, sarif: '' });
    return;
  }

  const pr = readPullRequestEvent(process.env.GITHUB_EVENT_PATH ?? '', process.env.GITHUB_REPOSITORY);
  const octokit = createGitHubClient({
    token,
    baseUrl: process.env.GITHUB_API_URL,
    // Octokit logs every refused request at error level, including those handled here (403 on a fork, 404
    // for a deleted file, 422 moved to the body): as ::error:: annotations they would mark a passing run red.
    // What really fails is thrown and reported where it is caught.
    log: { debug: core.debug, info: core.debug, warn: core.warning, error: core.debug },
    ...overrides.github,
  });
  const files = await listPullRequestFiles(octokit, pr);
  const unlisted = unlistedSkip(pr, files);
  const { changes, warnings } = toFileChanges(files);
  warnings.forEach((w) => {
    core.warning(w);
  });
  if (unlisted) core.warning(`vulnreview: ${unlisted.detail}`);

  const analysed = await analyse(config, apiKey, octokit, pr, files, changes);
  const { backend, notice } = analysed;
  // Unlisted files may hold C/C++ even when the listed ones do not: never a silent pass.
  const result = withSkipped(analysed.result, unlisted ? [unlisted] : []);
  for (const w of fileWarnings(result.files)) core.warning(`vulnreview: ${w}`);
  await writeSarifFile(config.sarifFile, result, {
    backend: backend?.name ?? 'rules',
    model: backend?.model ?? 'none',
    category: config.category,
  });
  // Even with no findings (or no C/C++ left in the change) the review step runs: comments of ours from
  // an earlier push may now be outdated and have to go.
  const review = await postReview(octokit, pr, config, changes, result, unlisted !== undefined);
  const gate = evaluateGate({
    findings: result.findings,
    unanalysed: unanalysedCount(result),
    failOnConfidence: config.failOnConfidence,
    onError: config.onError,
  });

  if (process.env.GITHUB_STEP_SUMMARY) {
    const serverUrl = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
    let markdown = renderSummary(result, {
      backend: backend?.name ?? 'none',
      model: backend?.model ?? 'none',
      notice,
      durationMs: performance.now() - started,
      blobBaseUrl: `${serverUrl}/${pr.owner}/${pr.repo}/blob/${pr.headSha}`,
      failOnConfidence: config.failOnConfidence,
    });
    if (review?.readOnly)
      markdown += '\n> Review comments were not posted: the token is read-only (fork pull request).\n';
    // Appended directly: core.summary remembers the first file it wrote to for the life of the process.
    await appendFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  }
  setOutputs({
    findings: result.findings.length,
    high: gate.highConfidence,
    analysed: result.stats.analysed,
    skipped: result.stats.skipped + result.stats.unclassified,
    sarif: config.sarifFile,
  });
  gate.warnings.forEach((w) => {
    core.warning(w);
  });
  if (gate.failures.length > 0) core.setFailed(`vulnreview: ${gate.failures.join('; ')}`);
}
