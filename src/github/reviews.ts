// Carries out a ReviewPlan on the pull request: one review per run, file-level comments, and the
// removal of our comments whose finding went away.
import {
  type Author,
  commentMarker,
  type ExistingComment,
  fixedReplyBody,
  hasNewFindings,
  isOwnAuthor,
  type ReviewPlan,
  reviewBody,
  type Self,
} from '../report/review.ts';
import type { ReviewCounts } from '../report/summary.ts';
import { type GitHubClient, statusOf } from './client.ts';
import type { PullRequestRef } from './event.ts';

export async function listExistingComments(
  octokit: GitHubClient,
  pr: PullRequestRef,
): Promise<ExistingComment[]> {
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  });
  return comments.map((c) => ({
    id: c.id,
    path: c.path,
    body: c.body ?? '',
    ...(c.in_reply_to_id ? { inReplyToId: c.in_reply_to_id } : {}),
    ...authorOf(c.user),
  }));
}

function authorOf(user: { login?: string; type?: string } | null | undefined): { author?: Author } {
  return user?.login ? { author: { login: user.login, ...(user.type ? { type: user.type } : {}) } } : {};
}

/**
 * Bodies of the reviews our own account posted (a review anyone else wrote never counts as ours); `self`
 * as `whoAmI` answers, by default any GitHub App bot (GITHUB_TOKEN).
 */
export async function listReviewBodies(
  octokit: GitHubClient,
  pr: PullRequestRef,
  self: Self = { anyBot: true },
): Promise<string[]> {
  const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
    owner: pr.owner,
    repo: pr.repo,
    pull_number: pr.number,
    per_page: 100,
  });
  return reviews
    .filter((r) => isOwnAuthor(self, authorOf(r.user).author))
    .map((r) => r.body ?? '')
    .filter((b) => b.includes('vulnreview'));
}

/**
 * The account the token posts as. GET /user answers for a personal token; an installation token
 * (GITHUB_TOKEN, a GitHub App) gets 403 "Resource not accessible by integration" there, and then our
 * comments are recognised as a bot's (see Self).
 */
export async function whoAmI(octokit: GitHubClient): Promise<Self> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.type === 'Bot' ? { anyBot: true } : { login: data.login };
  } catch (error) {
    const status = statusOf(error);
    if (status === 401 || status === 403 || status === 404) return { anyBot: true };
    throw error;
  }
}

/** What applying a review plan did: the counts the job summary reports (report/summary.ts). */
export type ReviewOutcome = ReviewCounts;

/** 403 means "may not write" unless it is a rate limit (those also answer 403). */
function isForbidden(error: unknown): boolean {
  return (
    statusOf(error) === 403 && !/rate limit/i.test(error instanceof Error ? error.message : String(error))
  );
}

export interface ApplyOptions {
  /** Changed functions or files left unanalysed, mentioned in the review body. */
  unanalysed?: number;
  summaryUrl?: string;
  warn: (message: string) => void;
}

/** What GitHub answers when the token may not write: the caller warns once and carries on. */
export class ReadOnlyTokenError extends Error {}

export async function applyReviewPlan(
  octokit: GitHubClient,
  pr: PullRequestRef,
  plan: ReviewPlan,
  options: ApplyOptions,
): Promise<ReviewOutcome> {
  const outcome: ReviewOutcome = {
    inline: 0,
    fileLevel: 0,
    inBody: 0,
    removed: 0,
    markedFixed: 0,
    readOnly: false,
    reviewPosted: false,
  };
  const repo = { owner: pr.owner, repo: pr.repo };
  const working: ReviewPlan = { ...plan, inBody: [...plan.inBody], inline: [...plan.inline], fileLevel: [] };
  try {
    // File-level comments cannot be part of a review (its comments need a line), so they go first, one by one.
    for (const c of plan.fileLevel) {
      try {
        await octokit.rest.pulls.createReviewComment({
          ...repo,
          pull_number: pr.number,
          commit_id: pr.headSha,
          path: c.path,
          body: c.body,
          subject_type: 'file',
        });
        working.fileLevel.push(c);
        outcome.fileLevel++;
      } catch (error) {
        if (isForbidden(error)) throw new ReadOnlyTokenError(String(error));
        if (statusOf(error) !== 422) throw error;
        options.warn(
          `${c.path}: GitHub refused a file-level comment (422); the finding is listed in the review body`,
        );
        working.inBody.push(c.finding);
      }
    }
    if (hasNewFindings(working)) {
      await postReview(octokit, pr, working, options);
      outcome.reviewPosted = true;
    }
    outcome.inline = working.inline.length;
    outcome.inBody = working.inBody.length;

    // After the review is posted, a 403 is about one request, not the token: GitHub can refuse to delete
    // or to reply to a comment (another account's, a locked conversation) while the rest went through.
    // Only a 403 before anything was written means the token is read-only.
    const wrote = () =>
      outcome.reviewPosted || outcome.fileLevel > 0 || outcome.removed > 0 || outcome.markedFixed > 0;
    for (const c of plan.remove) {
      try {
        await octokit.rest.pulls.deleteReviewComment({ ...repo, comment_id: c.id });
        outcome.removed++;
      } catch (error) {
        if (isForbidden(error) && !wrote()) throw new ReadOnlyTokenError(String(error));
        if (isForbidden(error)) options.warn(`could not delete outdated comment ${c.id} on ${c.path} (403)`);
        else if (statusOf(error) !== 404) throw error; // 404: already gone, nothing to do
      }
    }
    for (const c of plan.markFixed) {
      try {
        await octokit.rest.pulls.createReplyForReviewComment({
          ...repo,
          pull_number: pr.number,
          comment_id: c.id,
          body: fixedReplyBody(fingerprintOfComment(c), pr.headSha),
        });
        outcome.markedFixed++;
      } catch (error) {
        if (isForbidden(error) && !wrote()) throw new ReadOnlyTokenError(String(error));
        if (isForbidden(error))
          options.warn(`could not reply to comment ${c.id} on ${c.path} that its finding is fixed (403)`);
        else if (statusOf(error) !== 404) throw error; // 404: the comment is gone, nothing to answer
      }
    }
  } catch (error) {
    if (!(error instanceof ReadOnlyTokenError) && !isForbidden(error)) throw error;
    outcome.readOnly = true;
  }
  return outcome;
}

/** The fingerprint of the marker that ends our comment (never one quoted earlier in its text). */
function fingerprintOfComment(c: ExistingComment): string {
  return commentMarker(c.body)?.fingerprint ?? '0';
}

/**
 * One review (event COMMENT). Placement avoids 422, but if GitHub still rejects a line, the review is
 * posted again with every inline comment moved into the body: GitHub does not say which one it refused.
 */
async function postReview(
  octokit: GitHubClient,
  pr: PullRequestRef,
  plan: ReviewPlan,
  options: ApplyOptions,
): Promise<void> {
  const send = (p: ReviewPlan) =>
    octokit.rest.pulls.createReview({
      owner: pr.owner,
      repo: pr.repo,
      pull_number: pr.number,
      commit_id: pr.headSha,
      event: 'COMMENT',
      body: reviewBody(p, { unanalysed: options.unanalysed, summaryUrl: options.summaryUrl }),
      comments: p.inline.map((c) => ({
        path: c.path,
        body: c.body,
        line: c.line,
        side: 'RIGHT' as const,
        ...(c.startLine !== undefined ? { start_line: c.startLine, start_side: 'RIGHT' as const } : {}),
      })),
    });
  try {
    await send(plan);
  } catch (error) {
    if (statusOf(error) !== 422 || plan.inline.length === 0) throw error;
    options.warn(
      `GitHub refused the review's inline comments (422: ${error instanceof Error ? error.message : String(error)}); posting them in the review body instead`,
    );
    plan.inBody.push(...plan.inline.map((c) => c.finding));
    plan.inline.length = 0;
    await send(plan);
  }
}
