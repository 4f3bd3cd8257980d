// The commit a pull request's diff is taken against. GitHub's files list (and its "Files changed" tab)
// compares the head with the merge base of the two branches (a three-dot diff), not with the base
// branch's tip that the event names: when the base branch moved on after the branch was made, its tip
// holds changes that are not the pull request's. The compare API names the merge base.
import type { GitHubClient } from './client.ts';
import type { PullRequestRef } from './event.ts';

/**
 * The merge base of the pull request's base and head (GET /repos/{o}/{r}/compare/{base}...{head},
 * `merge_base_commit`). When it cannot be had, the event's base SHA, with a note saying so.
 */
export async function mergeBase(
  octokit: GitHubClient,
  pr: PullRequestRef,
): Promise<{ sha: string; note?: string }> {
  try {
    const { data } = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: pr.owner,
      repo: pr.repo,
      basehead: `${pr.baseSha}...${pr.headSha}`,
      // Commits are paginated; one page of one is all this needs (the merge base is on every page).
      per_page: 1,
    });
    const sha = data.merge_base_commit?.sha;
    if (typeof sha === 'string' && /^[0-9a-f]{40,64}$/.test(sha)) return { sha };
    throw new Error('the answer names no merge_base_commit');
  } catch (error) {
    return {
      sha: pr.baseSha,
      note: `could not find the merge base (${error instanceof Error ? error.message : String(error)}); the base side is read at the base branch's tip ${pr.baseSha.slice(0, 12)}`,
    };
  }
}
