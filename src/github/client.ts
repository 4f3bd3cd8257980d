// The one place an Octokit is made: throttling and retries configured so that only requests that are safe
// to repeat are repeated.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';

export type GitHubClient = InstanceType<typeof VulnreviewOctokit>;

const VulnreviewOctokit = Octokit.plugin(throttling, retry);

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);
/** Longer waits than this are not worth holding a CI job for: the call fails and the run degrades. */
const MAX_WAIT_SECONDS = 120;
/**
 * What the throttling plugin assumes when a secondary limit comes without Retry-After. A write is not
 * repeated on this guess (a real Retry-After of exactly this value is treated the same, erring on the safe side).
 */
const FALLBACK_WAIT_SECONDS = 60;

export interface ClientOptions {
  token: string;
  /** GITHUB_API_URL (GitHub Enterprise Server, or a loopback server in tests). */
  baseUrl?: string;
  log?: { debug(m: string): void; info(m: string): void; warn(m: string): void; error(m: string): void };
  /**
   * Space out writes as GitHub asks integrations to (the throttling plugin waits 1 s between writes and 3 s
   * between content-creating ones, to stay clear of secondary limits). Default true; tests against a
   * loopback server turn it off. Rate-limit handling stays on either way.
   */
  pacing?: boolean;
}

/** A limiter that runs every job at once, in place of the plugin's write and notification pacing. */
const UNPACED = {
  key: () => ({
    schedule: (_options: unknown, job: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve(job(...args)),
  }),
};

/** The HTTP status of an Octokit RequestError, or undefined for anything else (a dropped connection). */
export function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : undefined;
}

function isIdempotent(method: string | undefined): boolean {
  return IDEMPOTENT.has((method ?? 'GET').toUpperCase());
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const octokit = new VulnreviewOctokit({
    auth: options.token,
    baseUrl: options.baseUrl ?? 'https://api.github.com',
    userAgent: 'vulnreview',
    log: options.log ?? { debug() {}, info() {}, warn: console.warn, error: console.error },
    throttle: {
      fallbackSecondaryRateRetryAfter: FALLBACK_WAIT_SECONDS,
      // The plugin's option types want Bottleneck groups; UNPACED has the one method it calls.
      ...(options.pacing === false ? ({ write: UNPACED, notifications: UNPACED } as object) : {}),
      // Primary limit: the request was refused, so repeating it after the reset is safe for any method.
      onRateLimit: (retryAfter, _req, _o, retryCount) => retryCount < 1 && retryAfter <= MAX_WAIT_SECONDS,
      // Secondary limit: repeat reads; repeat a write only when GitHub said how long to wait (the request
      // was refused, not half done) — never blindly on the 60 s fallback.
      onSecondaryRateLimit: (retryAfter, req, _o, retryCount) => {
        if (retryCount >= 2 || retryAfter > MAX_WAIT_SECONDS) return false;
        if (isIdempotent(req.method)) return true;
        return retryCount < 1 && retryAfter !== FALLBACK_WAIT_SECONDS;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451] },
  });
  // Server errors and dropped connections may leave a POST half done: only idempotent calls are retried.
  octokit.hook.before('request', (req) => {
    if (!isIdempotent(req.method)) req.request = { ...req.request, retries: 0 };
  });
  return octokit;
}
