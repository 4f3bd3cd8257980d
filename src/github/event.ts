// The pull request an Actions run is about, from the event payload GitHub writes to GITHUB_EVENT_PATH.
import { readFileSync } from 'node:fs';

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
  baseSha: string;
  headSha: string;
  /** As the event reports it; `pulls.listFiles` stops at 3000. */
  changedFiles?: number;
}

export const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

interface EventPayload {
  pull_request?: {
    number?: number;
    changed_files?: number;
    base?: { sha?: string; repo?: { full_name?: string } };
    head?: { sha?: string };
  };
  repository?: { full_name?: string };
}

/** The pull request of a `pull_request` / `pull_request_target` event; a clear error when the payload lacks it. */
export function readPullRequestEvent(eventPath: string, repository: string | undefined): PullRequestRef {
  let payload: EventPayload;
  try {
    payload = JSON.parse(readFileSync(eventPath, 'utf8')) as EventPayload;
  } catch (error) {
    throw new Error(`cannot read the event payload at GITHUB_EVENT_PATH (${eventPath}): ${String(error)}`);
  }
  const pr = payload.pull_request;
  const fullName = payload.repository?.full_name ?? pr?.base?.repo?.full_name ?? repository;
  const [owner, repo] = (fullName ?? '').split('/');
  if (!pr?.number || !pr.base?.sha || !pr.head?.sha || !owner || !repo) {
    throw new Error(
      `the event payload at ${eventPath} has no pull request number, base/head sha or repository`,
    );
  }
  return {
    owner,
    repo,
    number: pr.number,
    baseSha: pr.base.sha,
    headSha: pr.head.sha,
    ...(pr.changed_files !== undefined ? { changedFiles: pr.changed_files } : {}),
  };
}
