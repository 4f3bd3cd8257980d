// `vulnreview scan`: the action's pipeline on a local change — a git repository (working tree or two
// revisions) or a patch file against a directory — with the findings on stdout and a SARIF file.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type BackendChoice,
  collectGlobs,
  DEFAULT_EXPLAIN_MIN_CONFIDENCE,
  InputError,
  parseBackend,
  parseConfidence,
  parseMargin,
  parseOnError,
  parsePositiveInt,
  parseReportMode,
} from '../config.ts';
import { parseUnifiedDiff, wholeFileChange } from '../diff/parse.ts';
import { fileWarnings } from '../extract/warnings.ts';
import {
  diffText,
  emptyTree,
  hasNoCommits,
  repoRoot,
  resolveRevision,
  untrackedFiles,
} from '../git/local.ts';
import { GitObjectReader } from '../git/objects.ts';
import { directoryReader } from '../git/worktree.ts';
import { FileVerdictCache } from '../model/cache.ts';
import { createBackend } from '../model/create.ts';
import { createExplainer, type Explainer } from '../model/explain.ts';
import { loadPrompt } from '../model/prompts.ts';
import { checkOutputFile } from '../output-file.ts';
import { runPipeline } from '../pipeline.ts';
import { progressOn, waitingNote, watchBackend } from '../progress.ts';
import type { ReportMode } from '../report/baseline.ts';
import { DEFAULT_CATEGORY, normalizeCategory } from '../report/category.ts';
import { evaluateGate, type OnError } from '../report/gate.ts';
import { writeSarifFile } from '../report/sarif.ts';
import { renderJson, renderTable } from '../report/table.ts';
import { count } from '../report/words.ts';
import { unanalysedCount } from '../result.ts';
import type { FileChange } from '../types.ts';
import { onceCacheWarning } from './cache-warning.ts';
import { loadMacrosFile } from './macros-file.ts';
import { addModelOptions } from './model-options.ts';
import { type Change, type DiffInput, fromPatchFile, processStdin } from './patch-file.ts';

export interface ScanOptions {
  repo?: string;
  base?: string;
  head?: string;
  diff?: string;
  root?: string;
  backend: BackendChoice;
  endpoint?: string;
  model?: string;
  prompt: string;
  concurrency: number;
  timeoutSeconds?: number;
  /** Overall seconds for asking the model; functions not reached by then count as unanalysed. */
  timeBudgetSeconds?: number;
  /** Verdict cache directory, or false for none. */
  cache: string | false;
  sarif: string;
  format: 'table' | 'json';
  failOnConfidence?: number;
  onError: OnError;
  paths: string[];
  pathsIgnore: string[];
  maxFileBytes: number;
  /** `--macros FILE`: project macros for the extractor. */
  macros?: string;
  category: string;
  /** `new` (default): the table and the gate consider what the change made worse. */
  report: ReportMode;
  baselineMargin: number;
  /** The optional explanation stage (`--explain-endpoint`). */
  explain?: { endpoint: string; model?: string; minConfidence: number };
}

/** Findings explained per scan at most: the action's max-comments default, the same cost bound. */
export const SCAN_MAX_EXPLANATIONS = 30;

export interface ScanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: progress is a bar there, and a line every 15 s anywhere else (CI logs). */
  terminal?: boolean;
  /** Where `--diff -` reads the patch (default: the process's standard input). */
  diffInput?: DiffInput;
  /** Progress timing (tests shorten it): ms between lines, and after how long an answer counts as slow. */
  progress?: { everyMs?: number; slowMs?: number };
}

/** Untracked, not ignored files join the change as wholly added. */
async function addUntracked(root: string, changes: FileChange[]): Promise<void> {
  const known = new Set(changes.map((c) => c.path));
  for (const path of await untrackedFiles(root))
    if (!known.has(path)) changes.push(wholeFileChange(path, 'added'));
}

/**
 * Working tree (head undefined): `git diff BASE` for tracked files plus every untracked, not ignored file
 * as wholly added — so a new file is scanned without having to `git add` it. A head revision: `git diff
 * BASE HEAD` with files read from git's objects (one `git cat-file --batch` for all of them), so the
 * working tree does not matter.
 */
async function fromGit(repo: string, baseRef: string | undefined, head: string | undefined): Promise<Change> {
  const root = await repoRoot(repo).catch((error: Error) => {
    throw new InputError(
      '--repo',
      repo,
      `a git repository, or use --diff FILE for a patch (${error.message})`,
    );
  });
  // Before the first commit there is no HEAD: the working tree is then all new, so compare with nothing.
  if (baseRef === undefined && head === undefined && (await hasNoCommits(root))) {
    const changes = parseUnifiedDiff(await diffText(root, await emptyTree(root)));
    await addUntracked(root, changes);
    return {
      changes,
      readFile: directoryReader(root),
      label: `working tree of ${root} (no commits yet)`,
      // Nothing existed before: every finding is new.
      readBaseFile: async () => undefined,
    };
  }
  const base = baseRef ?? 'HEAD';
  // Both revisions at once (each is a git process to wait for); a bad base is still the error reported.
  const [baseResolved, headResolved] = await Promise.allSettled([
    resolveRevision(root, base),
    head === undefined ? Promise.resolve(undefined) : resolveRevision(root, head),
  ]);
  if (baseResolved.status === 'rejected')
    throw new InputError('--base', base, `a revision that exists in ${root}`);
  const baseSha = baseResolved.value;
  // Started on its first read: the working-tree mode reads the head side from disk.
  const objects = new GitObjectReader(root);
  const close = () => objects.close();
  if (head === undefined) {
    const changes = parseUnifiedDiff(await diffText(root, baseSha));
    await addUntracked(root, changes);
    return {
      changes,
      readFile: directoryReader(root),
      label: `working tree of ${root} against ${base}`,
      readBaseFile: (path) => objects.read(baseSha, path),
      close,
    };
  }
  if (headResolved.status === 'rejected' || headResolved.value === undefined)
    throw new InputError('--head', head, `a revision that exists in ${root}`);
  const headSha = headResolved.value;
  return {
    changes: parseUnifiedDiff(await diffText(root, baseSha, headSha)),
    readFile: (path) => objects.read(headSha, path),
    label: `${head} against ${base} in ${root}`,
    readBaseFile: (path) => objects.read(baseSha, path),
    close,
  };
}

/** Runs a scan and returns the exit code (conventions.md): 0 done, 1 gate tripped, 3 analysis incomplete. */
export async function scan(options: ScanOptions, io: ScanIo): Promise<number> {
  // Everything a user can get wrong is checked before any work: an unwritable --sarif or a bad --prompt
  // fails in a second (exit 2), not after the analysis. The rules backend does not use the prompt, but
  // the same flags with an endpoint would fail, so they fail here too.
  await checkOutputFile(options.sarif, '--sarif');
  loadPrompt(options.prompt);
  const change = options.diff
    ? await fromPatchFile(options.diff, resolve(options.root ?? '.'), io.diffInput ?? processStdin)
    : await fromGit(resolve(options.repo ?? '.'), options.base, options.head);
  const macros = await loadMacrosFile(options.macros);

  const created = await createBackend({
    backend: options.backend,
    endpoint: options.endpoint,
    model: options.model,
    apiKey: io.env.VULNREVIEW_API_KEY || undefined,
    prompt: options.prompt,
    timeoutSeconds: options.timeoutSeconds,
    // What the server taught the client mid-run (a lower logprobs limit, token-id answers).
    onNotice: (message) => io.stderr(`vulnreview: notice: ${message}\n`),
  });
  const watched = watchBackend(created.backend);
  const { backend } = watched;
  if (created.notice) io.stderr(`vulnreview: ${created.notice}\n`);
  io.stderr(
    `vulnreview: scanning ${change.label} (${count(change.changes.length, 'changed file')}) with ${backend.name} (${backend.model})\n`,
  );
  let result: Awaited<ReturnType<typeof runPipeline>>;
  const progress = progressOn(
    {
      isTTY: io.terminal === true,
      write: (text: string | Uint8Array) => {
        io.stderr(String(text));
        return true;
      },
    },
    {
      waiting: waitingNote(watched, options.endpoint, io.progress?.slowMs),
      ...(io.progress?.everyMs !== undefined ? { everyMs: io.progress.everyMs } : {}),
    },
  );
  let explainer: Explainer | undefined;
  try {
    if (options.explain) {
      // An explain endpoint that cannot be reached costs the explanations, never the findings.
      explainer = await createExplainer({
        baseUrl: options.explain.endpoint,
        model: options.explain.model,
        // Its own key when it has one; the model's otherwise (conventions.md).
        apiKey: io.env.VULNREVIEW_EXPLAIN_API_KEY || io.env.VULNREVIEW_API_KEY || undefined,
        timeoutMs: options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000,
      }).catch((error: Error) => {
        io.stderr(`vulnreview: warning: no explanations: ${error.message}\n`);
        return undefined;
      });
    }
    result = await runPipeline({
      changes: change.changes,
      readFile: change.readFile,
      backend,
      extract: {
        maxFileBytes: options.maxFileBytes,
        paths: options.paths,
        pathsIgnore: options.pathsIgnore,
        ...(macros ? { macros } : {}),
        onWarning: (message) => io.stderr(`vulnreview: warning: ${message}\n`),
      },
      analyse: {
        concurrency: options.concurrency,
        ...(options.timeBudgetSeconds !== undefined ? { budgetMs: options.timeBudgetSeconds * 1000 } : {}),
        ...(options.cache ? { cache: new FileVerdictCache(options.cache) } : {}),
        onCacheError: onceCacheWarning(io.stderr, options.cache || ''),
      },
      onProgress: progress.update,
      ...(change.readBaseFile
        ? { baseline: { readBaseFile: change.readBaseFile, margin: options.baselineMargin } }
        : {}),
      ...(explainer
        ? {
            explain: {
              explainer,
              report: options.report,
              minConfidence: options.explain!.minConfidence,
              max: SCAN_MAX_EXPLANATIONS,
            },
          }
        : {}),
    });
  } finally {
    progress.stop();
    await backend.close?.();
    await explainer?.close();
    await change.close?.();
  }

  // The findings first: whatever happens to the file after, the user has seen them.
  io.stdout(options.format === 'json' ? renderJson(result) : renderTable(result, options.report));
  try {
    await writeSarifFile(resolve(options.sarif), result, {
      backend: backend.name,
      model: backend.model,
      category: options.category,
    });
    io.stderr(`vulnreview: SARIF written to ${options.sarif}\n`);
  } catch (error) {
    io.stderr(
      `vulnreview: could not write the SARIF file ${options.sarif} (${(error as Error).message}); the findings are above\n`,
    );
    return 2;
  }

  const gate = evaluateGate({
    findings: result.findings,
    unanalysed: unanalysedCount(result),
    failOnConfidence: options.failOnConfidence,
    onError: options.onError,
    report: options.report,
  });
  for (const note of result.baseline?.notes ?? []) io.stderr(`vulnreview: base: ${note}\n`);
  const explained = result.explanations;
  if (explained?.failed)
    io.stderr(
      `vulnreview: warning: ${count(explained.failed, 'explanation')} failed; those findings stand without one (first: ${explained.failures[0] ?? 'unknown'})\n`,
    );
  for (const w of fileWarnings(result.files)) io.stderr(`vulnreview: warning: ${w}\n`);
  for (const w of gate.warnings) io.stderr(`vulnreview: warning: ${w}\n`);
  for (const f of gate.failures) io.stderr(`vulnreview: failed: ${f}\n`);
  return gate.exitCode;
}

function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vulnreview');
}

/** Commander's raw option values → ScanOptions, each bad value named. */
export function scanOptionsFrom(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): ScanOptions {
  const str = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const format = str('format') ?? 'table';
  if (format !== 'table' && format !== 'json') throw new InputError('--format', format, 'table or json');
  if (str('root') && !str('diff'))
    throw new InputError('--root', str('root')!, 'to be used with --diff FILE');
  if (str('diff') && (str('head') || str('base'))) {
    throw new InputError(
      '--diff',
      str('diff')!,
      'a patch file on its own: --base/--head apply to git mode only',
    );
  }
  const timeout = str('timeout');
  const budget = str('timeBudget');
  return {
    repo: str('repo'),
    base: str('base'),
    head: str('head'),
    diff: str('diff'),
    root: str('root'),
    backend: parseBackend(str('backend') ?? 'auto', '--backend'),
    endpoint: str('endpoint'),
    model: str('model'),
    prompt: str('prompt') ?? 'pd-1',
    concurrency: parsePositiveInt(str('concurrency') ?? '', '--concurrency', 8),
    timeoutSeconds: timeout === undefined ? undefined : parsePositiveInt(timeout, '--timeout', 60),
    timeBudgetSeconds: budget === undefined ? undefined : parsePositiveInt(budget, '--time-budget', 0),
    cache: raw.cache === false ? false : (str('cache') ?? defaultCacheDir(env)),
    sarif: str('sarif') ?? 'vulnreview.sarif',
    format,
    failOnConfidence: parseConfidence(str('failOnConfidence') ?? '', '--fail-on-confidence'),
    onError: parseOnError(str('onError') ?? 'fail', '--on-error'),
    paths: (raw.paths as string[] | undefined) ?? [],
    pathsIgnore: (raw.pathsIgnore as string[] | undefined) ?? [],
    maxFileBytes: parsePositiveInt(str('maxFileSize') ?? '', '--max-file-size', 1024) * 1024,
    macros: str('macros'),
    category: normalizeCategory(str('category') ?? DEFAULT_CATEGORY),
    report: parseReportMode(str('report') ?? 'new', '--report'),
    baselineMargin: parseMargin(str('baselineMargin') ?? '', '--baseline-margin'),
    ...explainOptionsFrom(str),
  };
}

function explainOptionsFrom(str: (key: string) => string | undefined): Pick<ScanOptions, 'explain'> {
  const endpoint = str('explainEndpoint')?.trim();
  const min = str('explainMinConfidence');
  if (!endpoint) {
    if (str('explainModel') || min !== undefined)
      throw new InputError(
        '--explain-model',
        str('explainModel') ?? min ?? '',
        'to be used with --explain-endpoint URL',
      );
    return {};
  }
  const model = str('explainModel')?.trim();
  return {
    explain: {
      endpoint,
      ...(model ? { model } : {}),
      minConfidence:
        min === undefined
          ? DEFAULT_EXPLAIN_MIN_CONFIDENCE
          : (parseConfidence(min, '--explain-min-confidence') ?? DEFAULT_EXPLAIN_MIN_CONFIDENCE),
    },
  };
}

export function registerScanCommand(program: Command): void {
  addModelOptions(program.command('scan'), {
    help: 'verdict cache directory (default ~/.cache/vulnreview)',
  })
    .description(
      'Analyse the C/C++ functions a local change touches: the working tree against HEAD by default, two revisions, or a patch file (--diff).',
    )
    .option('--repo <dir>', 'git repository to scan', '.')
    .option('--base <ref>', 'base revision (default HEAD)')
    .option('--head <ref>', 'head revision (default: the working tree, untracked files included)')
    .option('--diff <file>', 'scan a unified diff instead of a git repository (no git needed); - reads stdin')
    .option('--root <dir>', 'with --diff: directory holding the new-side files (default .)')
    .option('--time-budget <seconds>', 'overall seconds for model requests; the rest count as not analysed')
    .option('--sarif <file>', 'SARIF output file', 'vulnreview.sarif')
    .option('--format <format>', 'table | json (stdout)', 'table')
    .option('--fail-on-confidence <x>', 'exit 1 when a finding reaches this confidence (0..1)')
    .option('--on-error <mode>', 'fail (exit 3) | warn, when functions went unanalysed', 'fail')
    .option('--paths <globs>', 'only files matching these globs (comma-separated, repeatable)', collectGlobs)
    .option(
      '--paths-ignore <globs>',
      'leave out files matching these globs (comma-separated, repeatable)',
      collectGlobs,
    )
    .option('--max-file-size <kb>', 'skip files larger than this many KB', '1024')
    .option(
      '--macros <file>',
      'project macros (clang-format keys: AttributeMacros, StatementMacros, …); the repository .clang-format is read too',
    )
    .option(
      '--category <id>',
      'SARIF runAutomationDetails.id (a trailing / is added when missing)',
      'vulnreview/',
    )
    .option(
      '--report <mode>',
      'new (what the change made worse) | all: what the table and the gate consider',
      'new',
    )
    .option(
      '--baseline-margin <p>',
      'P(vulnerable) rise that makes a finding flagged before and after count as new (0..1, default 0.2)',
    )
    .option(
      '--explain-endpoint <url>',
      'OpenAI-compatible URL of an instruct model that explains findings (line, reason)',
    )
    .option('--explain-model <name>', 'model name at --explain-endpoint (default: the first it lists)')
    .option('--explain-min-confidence <x>', 'explain findings at or above this confidence (default 0.5)')
    .addHelpText(
      'after',
      "\nThe API key comes from the VULNREVIEW_API_KEY environment variable, never a flag; the explain model's from VULNREVIEW_EXPLAIN_API_KEY, else VULNREVIEW_API_KEY.",
    )
    .action(async (raw: Record<string, unknown>) => {
      const io: ScanIo = {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        env: process.env,
        terminal: process.stderr.isTTY === true,
      };
      process.exitCode = await scan(scanOptionsFrom(raw, process.env), io);
    });
}
