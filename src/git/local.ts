// Read-only access to a local git repository for `vulnreview scan`: the diff and file contents at a
// revision. Only `git diff`, `git ls-files`, `git rev-parse`, `git show` and `git cat-file` (objects.ts)
// are run, with options that keep repository configuration from running anything (external diff
// drivers, textconv filters, fsmonitor hooks).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Configuration that would otherwise let a repository run programs during a read. */
export const SAFE_CONFIG = [
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.quotePath=false',
  '-c',
  'diff.external=',
];
const MAX_BUFFER = 256 * 1024 * 1024;

/** The environment every git command runs with: no lock files taken, never a credential prompt. */
export function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
}

export const GIT_MISSING = 'git is not installed or not on PATH; use `vulnreview scan --diff FILE` instead';

export class GitError extends Error {
  constructor(args: string[], repo: string, stderr: string) {
    super(`git ${args.join(' ')} failed in ${repo}: ${stderr.trim() || 'no output'}`);
    this.name = 'GitError';
  }
}

async function git(repo: string, args: string[]): Promise<Buffer> {
  try {
    const { stdout } = await run('git', [...SAFE_CONFIG, '-C', repo, ...args], {
      encoding: 'buffer',
      maxBuffer: MAX_BUFFER,
      env: gitEnv(),
    });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: Buffer; code?: string | number; message?: string };
    if (e.code === 'ENOENT') throw new Error(GIT_MISSING);
    throw new GitError(args, repo, e.stderr?.toString('utf8') ?? e.message ?? '');
  }
}

/** The repository's top-level directory; a clear error when `repo` is not inside one. */
export async function repoRoot(repo: string): Promise<string> {
  return (await git(repo, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
}

/** Full commit id of a revision; a clear error naming it when it does not exist. */
export async function resolveRevision(repo: string, rev: string): Promise<string> {
  return (await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]))
    .toString('utf8')
    .trim();
}

/** True when HEAD names no commit yet: a fresh `git init` before its first commit. */
export async function hasNoCommits(repo: string): Promise<boolean> {
  try {
    await git(repo, ['rev-parse', '--verify', '--quiet', 'HEAD']);
    return false;
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    // An unborn branch: HEAD points at a branch ref that does not exist yet.
    const branch = await git(repo, ['symbolic-ref', '--quiet', 'HEAD']).catch(() => undefined);
    return branch !== undefined;
  }
}

/** The empty tree's id in this repository's hash (SHA-1 or SHA-256): the base of a repository's first commit. */
export async function emptyTree(repo: string): Promise<string> {
  return (await git(repo, ['hash-object', '-t', 'tree', '/dev/null'])).toString('utf8').trim();
}

/** `git diff base [head]`: head undefined compares against the working tree (tracked files). */
export async function diffText(repo: string, base: string, head?: string): Promise<string> {
  const args = [
    'diff',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--find-renames',
    '--unified=3',
    // The parser strips `a/` and `b/`: a user's diff.noprefix or diff.mnemonicPrefix must not change them.
    '--src-prefix=a/',
    '--dst-prefix=b/',
    base,
  ];
  if (head) args.push(head);
  args.push('--');
  return (await git(repo, args)).toString('utf8');
}

/** Untracked files not ignored by .gitignore: new files a working-tree scan treats as added. */
export async function untrackedFiles(repo: string): Promise<string[]> {
  const out = (await git(repo, ['ls-files', '--others', '--exclude-standard', '-z'])).toString('utf8');
  return out.split('\0').filter((p) => p !== '');
}

/**
 * A file's bytes at a revision, or undefined when it does not exist there. One process per call: for
 * many files use GitObjectReader (objects.ts), which keeps one process for all of them.
 */
export async function showFile(repo: string, rev: string, path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await git(repo, ['show', '--no-textconv', `${rev}:${path}`]));
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}
