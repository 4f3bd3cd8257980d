// `vulnreview scan`: the action's pipeline on a local change — a git repository (working tree or two
// revisions) or a patch file against a directory — with the findings on stdout and a SARIF file.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  type BackendChoice,
  collectGlobs,
  InputError,
  parseBackend,
  parseConfidence,
  parseOnError,
  parsePositiveInt,
} from '../config.ts';
import { parseUnifiedDiff, wholeFileChange } from '../diff/parse.ts';
import { createProgress, type Progress } from '../eval/progress.ts';
import { fileWarnings } from '../extract/warnings.ts';
import {
  diffText,
  emptyTree,
  hasNoCommits,
  repoRoot,
  resolveRevision,
  showFile,
  untrackedFiles,
} from '../git/local.ts';
import { directoryReader } from '../git/worktree.ts';
import { FileVerdictCache } from '../model/cache.ts';
import { createBackend } from '../model/create.ts';
import { runPipeline } from '../pipeline.ts';
import { evaluateGate, type OnError } from '../report/gate.ts';
import { writeSarifFile } from '../report/sarif.ts';
import { renderJson, renderTable } from '../report/table.ts';
import { unanalysedCount } from '../result.ts';
import type { FileChange } from '../types.ts';
import { loadMacrosFile } from './macros-file.ts';
import { addModelOptions } from './model-options.ts';
import { type Change, fromPatchFile } from './patch-file.ts';

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
}

export interface ScanIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Draw a progress bar on stderr (only when it is a terminal). */
  progress?: boolean;
}

/** A progress bar on stderr while functions are analysed (the eval command's), when asked for. */
function progressBar(enabled: boolean | undefined): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  let progress: Progress | undefined;
  return {
    update: (done, total) => {
      if (!enabled) return;
      if (done === 0) progress = createProgress(total, process.stderr, 'functions');
      else progress?.tick();
    },
    stop: () => progress?.stop(),
  };
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
 * BASE HEAD` with files read by `git show`, so the working tree does not matter.
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
    return { changes, readFile: directoryReader(root), label: `working tree of ${root} (no commits yet)` };
  }
  const base = baseRef ?? 'HEAD';
  const baseSha = await resolveRevision(root, base).catch(() => {
    throw new InputError('--base', base, `a revision that exists in ${root}`);
  });
  if (head === undefined) {
    const changes = parseUnifiedDiff(await diffText(root, baseSha));
    await addUntracked(root, changes);
    return { changes, readFile: directoryReader(root), label: `working tree of ${root} against ${base}` };
  }
  const headSha = await resolveRevision(root, head).catch(() => {
    throw new InputError('--head', head, `a revision that exists in ${root}`);
  });
  return {
    changes: parseUnifiedDiff(await diffText(root, baseSha, headSha)),
    readFile: (path) => showFile(root, headSha, path),
    label: `${head} against ${base} in ${root}`,
  };
}

/** Runs a scan and returns the exit code (conventions.md): 0 done, 1 gate tripped, 3 analysis incomplete. */
export async function scan(options: ScanOptions, io: ScanIo): Promise<number> {
  const change = options.diff
    ? await fromPatchFile(options.diff, resolve(options.root ?? '.'))
    : await fromGit(resolve(options.repo ?? '.'), options.base, options.head);
  const macros = await loadMacrosFile(options.macros);

  const { backend, notice } = await createBackend({
    backend: options.backend,
    endpoint: options.endpoint,
    model: options.model,
    apiKey: io.env.VULNREVIEW_API_KEY || undefined,
    prompt: options.prompt,
    timeoutSeconds: options.timeoutSeconds,
  });
  if (notice) io.stderr(`vulnreview: ${notice}\n`);
  io.stderr(
    `vulnreview: scanning ${change.label} (${change.changes.length} changed files) with ${backend.name} (${backend.model})\n`,
  );
  let result: Awaited<ReturnType<typeof runPipeline>>;
  const bar = progressBar(io.progress);
  try {
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
        onCacheError: (e) => io.stderr(`vulnreview: verdict cache: ${e.message}\n`),
      },
      onProgress: bar.update,
    });
  } finally {
    bar.stop();
    await backend.close?.();
  }

  await writeSarifFile(resolve(options.sarif), result, {
    backend: backend.name,
    model: backend.model,
    category: options.category,
  });
  io.stdout(options.format === 'json' ? renderJson(result) : renderTable(result));
  io.stderr(`vulnreview: SARIF written to ${options.sarif}\n`);

  const gate = evaluateGate({
    findings: result.findings,
    unanalysed: unanalysedCount(result),
    failOnConfidence: options.failOnConfidence,
    onError: options.onError,
  });
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
    category: str('category') ?? 'vulnreview/',
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
    .option('--diff <file>', 'scan a unified diff instead of a git repository (no git needed)')
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
    .option('--category <id>', 'SARIF runAutomationDetails.id', 'vulnreview/')
    .addHelpText(
      'after',
      '\nThe API key comes from the VULNREVIEW_API_KEY environment variable, never a flag.',
    )
    .action(async (raw: Record<string, unknown>) => {
      const io: ScanIo = {
        stdout: (t) => process.stdout.write(t),
        stderr: (t) => process.stderr.write(t),
        env: process.env,
        progress: process.stderr.isTTY === true,
      };
      process.exitCode = await scan(scanOptionsFrom(raw, process.env), io);
    });
}
