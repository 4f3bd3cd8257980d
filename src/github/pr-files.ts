// The pull request's change as FileChange[], built from the patches GitHub returns per file.
import { parseFilePatch, wholeFileChange } from '../diff/parse.ts';
import type { FileChange, FileStatus, Skipped } from '../types.ts';
import type { GitHubClient } from './client.ts';
import type { PullRequestRef } from './event.ts';

/** `pulls.listFiles` returns at most this many files. */
export const LIST_FILES_CAP = 3000;

/** The fields of a PR file (or compare file) this adapter uses. */
export interface PrFile {
  filename: string;
  status: string;
  patch?: string;
  previous_filename?: string;
  changes?: number;
  sha?: string | null;
}

/** Every file of the pull request that GitHub lists (at most LIST_FILES_CAP; see `unlistedFiles`). */
export async function listPullRequestFiles(octokit: GitHubClient, pr: PullRequestRef): Promise<PrFile[]> {
  return (await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  })) as PrFile[];
}

/**
 * Files the pull request changes that GitHub will not list: `pulls.listFiles` stops at 3000, and the
 * compare API is no way round it (it lists at most 300 files, on its first page only). They cannot be
 * analysed, so the caller counts them as unanalysed rather than letting them pass unseen.
 */
export function unlistedFiles(pr: PullRequestRef, listed: readonly PrFile[]): number {
  return Math.max(0, (pr.changedFiles ?? 0) - listed.length);
}

/**
 * The files GitHub did not list, as one unanalysed entry of the run (see `withSkipped`), so the gate, the
 * summary, SARIF and the outputs all count them; none when every file was listed.
 */
export function unlistedSkip(pr: PullRequestRef, listed: readonly PrFile[]): Skipped | undefined {
  const unlisted = unlistedFiles(pr, listed);
  if (unlisted === 0) return undefined;
  return {
    file: `(${unlisted} files GitHub did not list)`,
    reason: 'unreadable',
    detail: `this pull request changes ${pr.changedFiles} files and GitHub's API lists only the first ${LIST_FILES_CAP}: the other ${unlisted} were not analysed (run \`vulnreview scan\` on a checkout to cover them)`,
    count: unlisted,
  };
}

function statusOf(file: PrFile): FileStatus {
  switch (file.status) {
    case 'added':
    case 'copied':
      return 'added';
    case 'removed':
      return 'deleted';
    case 'renamed':
      return 'renamed';
    case 'unchanged':
      return 'mode-only';
    default:
      return 'modified';
  }
}

export interface ChangeSet {
  changes: FileChange[];
  /** Files whose patch could not be parsed: analysed whole instead, and said so. */
  warnings: string[];
}

/**
 * FileChange per PR file. A missing patch (too large or binary for GitHub) makes the whole file count as
 * changed; a pure rename or mode change has nothing new to analyse.
 */
export function toFileChanges(files: readonly PrFile[]): ChangeSet {
  const changes: FileChange[] = [];
  const warnings: string[] = [];
  for (const file of files) {
    const status = statusOf(file);
    if (file.patch === undefined || file.patch === '') {
      if (status === 'deleted' || status === 'mode-only' || (status === 'renamed' && file.changes === 0)) {
        changes.push({
          path: file.filename,
          ...(file.previous_filename ? { oldPath: file.previous_filename } : {}),
          status,
          addedLines: [],
          deletionPoints: [],
          wholeFile: false,
          hunks: [],
        });
      } else
        changes.push({
          ...wholeFileChange(file.filename, status),
          ...(file.previous_filename ? { oldPath: file.previous_filename } : {}),
        });
      continue;
    }
    try {
      changes.push(
        parseFilePatch(file.filename, file.patch, {
          status,
          ...(file.previous_filename ? { oldPath: file.previous_filename } : {}),
        }),
      );
    } catch (error) {
      warnings.push(
        `${file.filename}: GitHub's patch could not be parsed (${error instanceof Error ? error.message : String(error)}); the whole file is analysed instead`,
      );
      changes.push(wholeFileChange(file.filename, status));
    }
  }
  return { changes, warnings };
}
