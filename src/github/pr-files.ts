// The pull request's change as FileChange[], built from the patches GitHub returns per file.
import { parseFilePatch, wholeFileChange } from '../diff/parse.ts';
import type { FileChange, FileStatus } from '../types.ts';
import type { GitHubClient } from './client.ts';
import type { PullRequestRef } from './event.ts';

/** `pulls.listFiles` returns at most this many files; beyond it the compare API is used. */
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

/** Every file of the pull request, via the compare API when the PR is over the files endpoint's cap. */
export async function listPullRequestFiles(octokit: GitHubClient, pr: PullRequestRef): Promise<PrFile[]> {
  const files = (await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  })) as PrFile[];
  if (files.length < LIST_FILES_CAP && (pr.changedFiles ?? 0) <= files.length) return files;
  return listComparedFiles(octokit, pr);
}

async function listComparedFiles(octokit: GitHubClient, pr: PullRequestRef): Promise<PrFile[]> {
  const all: PrFile[] = [];
  const perPage = 100;
  // The compare endpoint pages its `files`, not its body, so octokit.paginate does not apply.
  for (let page = 1; ; page++) {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: pr.owner,
      repo: pr.repo,
      basehead: `${pr.baseSha}...${pr.headSha}`,
      per_page: perPage,
      page,
    });
    const files = (data.files ?? []) as PrFile[];
    all.push(...files);
    if (files.length < perPage) return all;
  }
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
