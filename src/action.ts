// The action: pull request → pipeline → SARIF, review, summary, outputs, gate. main.ts only calls run().
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as core from '@actions/core';
import { actionsVerdictCache } from './actions-cache.ts';
import type { BaseFileReader } from './baseline/types.ts';
import { configFromInputs, type RunConfig } from './config.ts';
import { languageOf } from './extract/language.ts';
import { fileWarnings } from './extract/warnings.ts';
import { createGitHubClient, type GitHubClient } from './github/client.ts';
import { apiReader, directoryReader, type FileReader, workspaceHeadSha } from './github/contents.ts';
import { PULL_REQUEST_EVENTS, type PullRequestRef, readPullRequestEvent } from './github/event.ts';
import { mergeBase } from './github/merge-base.ts';
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
import { createExplainer, type Explainer } from './model/explain.ts';
import { loadPrompt } from './model/prompts.ts';
import { emptyPipelineResult, runPipeline, withSkipped } from './pipeline.ts';
import { progressOn, waitingNote, watchBackend } from './progress.ts';
import { preExistingFindings, reportedFindings } from './report/baseline.ts';
import { evaluateGate } from './report/gate.ts';
import { planReview } from './report/review.ts';
import { writeSarifFile } from './report/sarif.ts';
import { renderReviewNote, renderSummary } from './report/summary.ts';
import { count } from './report/words.ts';
import { type PipelineResult, unanalysedCount } from './result.ts';
import type { FileChange } from './types.ts';

function setOutputs(values: {
  findings: number;
  high: number;
  analysed: number;
  skipped: number;
  sarif: string;
  newFindings?: number;
  fixed?: number;
}) {
  core.setOutput('findings', values.findings);
  core.setOutput('new-findings', values.newFindings ?? values.findings);
  core.setOutput('fixed-findings', values.fixed ?? 0);
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
      // Under `report: new` only what the change made worse is commented; the rest is listed once.
      findings: reportedFindings(result.findings, config.report),
      preExisting: preExistingFindings(result.findings, config.report),
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
    if (outcome.readOnly && !outcome.reviewPosted && outcome.fileLevel === 0) {
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
  const created = await createBackend({
    backend: config.backend,
    endpoint: config.endpoint,
    model: config.model,
    apiKey,
    prompt: config.prompt,
    timeoutSeconds: config.timeoutSeconds,
    // What the server taught the client mid-run (a lower logprobs limit, token-id answers): it changes
    // what a confidence means, so it is an annotation on the run.
    onNotice: (message) => core.warning(`vulnreview: ${message}`),
  });
  const { notice } = created;
  const watched = watchBackend(created.backend);
  const { backend } = watched;
  if (notice) core.notice(notice);
  const verdicts = config.cache
    ? actionsVerdictCache(backend, pr.headSha, process.env.RUNNER_TEMP ?? tmpdir())
    : undefined;
  const readBaseFile = await baseReader(octokit, pr);
  const explainer = await explainerFor(config, apiKey);
  await verdicts?.restore();
  const blobShas = new Map(files.flatMap((f) => (f.sha ? [[f.filename, f.sha] as [string, string]] : [])));
  let result: PipelineResult;
  // A line in the log every 15 s while functions are analysed, naming the endpoint when it is slow.
  const progress = progressOn(process.stdout, { waiting: waitingNote(watched, config.endpoint) });
  let announced = false;
  let cacheWarned = false;
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
        // One warning for a broken cache, not one per function.
        onCacheError: (e) => {
          if (!cacheWarned) core.warning(`Verdict cache: ${e.message}; going on without it`);
          cacheWarned = true;
        },
        ...(verdicts ? { cache: verdicts.cache } : {}),
      },
      baseline: { readBaseFile, margin: config.baselineMargin },
      ...(explainer && config.explain
        ? {
            explain: {
              explainer,
              report: config.report,
              minConfidence: config.explain.minConfidence,
              max: config.maxComments,
            },
          }
        : {}),
      onProgress: (done, total, final) => {
        if (!announced && total > 0) {
          core.info(`Analysing changed functions with ${backend.name} (${backend.model}) as they are found`);
          announced = true;
        }
        progress.update(done, total, final);
      },
    });
  } finally {
    progress.stop();
    await backend.close?.();
    await explainer?.close();
  }
  for (const note of result.baseline?.notes ?? []) core.info(`vulnreview: base: ${note}`);
  if (result.explanations?.failed) {
    core.warning(
      `vulnreview: ${count(result.explanations.failed, 'explanation')} failed; those findings stand without one (first: ${result.explanations.failures[0] ?? 'unknown'})`,
    );
  }
  await verdicts?.save();
  return notice ? { result, backend, notice } : { result, backend };
}

/**
 * Base files through the contents API at the merge base (what GitHub's diff is against). A failed read
 * throws, so the functions there keep `new` findings instead of passing for new code.
 */
async function baseReader(octokit: GitHubClient, pr: PullRequestRef): Promise<BaseFileReader> {
  const base = await mergeBase(octokit, pr);
  if (base.note) core.warning(`vulnreview: ${base.note}`);
  else core.info(`Reading the base side at the merge base ${base.sha.slice(0, 12)} through the GitHub API`);
  return apiReader(octokit, pr, new Map(), (m) => core.warning(m), { ref: base.sha, throwOnError: true });
}

/**
 * The explain model, when `explain-endpoint` is set. Its key: `explain-api-key`, else the environment's
 * VULNREVIEW_EXPLAIN_API_KEY, else the model's key (conventions.md); masked in logs. If it cannot be set
 * up, the run goes on without explanations and says so: findings never depend on it.
 */
async function explainerFor(config: RunConfig, apiKey: string | undefined): Promise<Explainer | undefined> {
  if (!config.explain) return undefined;
  const key = config.explain.apiKey ?? (process.env.VULNREVIEW_EXPLAIN_API_KEY || undefined) ?? apiKey;
  if (key) core.setSecret(key);
  try {
    return await createExplainer({
      baseUrl: config.explain.endpoint,
      model: config.explain.model,
      apiKey: key,
      timeoutMs: config.timeoutSeconds === undefined ? undefined : config.timeoutSeconds * 1000,
    });
  } catch (error) {
    core.warning(`vulnreview: no explanations: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
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
    // A prompt that does not exist fails the run even with the rules backend, which does not use it.
    loadPrompt(config.prompt);
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
    report: config.report,
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
      report: config.report,
    });
    if (review) markdown += `\n${renderReviewNote(review)}\n`;
    // Appended directly: core.summary remembers the first file it wrote to for the life of the process.
    await appendFile(process.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  }
  setOutputs({
    findings: result.findings.length,
    high: gate.highConfidence,
    analysed: result.stats.analysed,
    skipped: result.stats.skipped + result.stats.unclassified,
    sarif: config.sarifFile,
    newFindings: reportedFindings(result.findings, 'new').length,
    fixed: result.baseline?.fixed.length ?? 0,
  });
  gate.warnings.forEach((w) => {
    core.warning(w);
  });
  if (gate.failures.length > 0) core.setFailed(`vulnreview: ${gate.failures.join('; ')}`);
}
