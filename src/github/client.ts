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

/**
 * Network errors that say GitHub's API cannot be reached at all at this address: refused, or a name that
 * does not resolve. Repeating the request cannot help (the retry plugin would wait 1 + 4 + 9 s before
 * giving up), so they fail at once with a message naming the address. A reset or a timeout mid-request
 * is a passing fault and is retried like a 5xx.
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The system error code under an Octokit RequestError from fetch (`fetch failed` → cause → cause). */
function networkCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** GitHub's API could not be reached: what failed, where, and what to check. */
export class GitHubUnreachableError extends Error {
  constructor(
    readonly baseUrl: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot reach GitHub's API at ${baseUrl} (${code === 'ECONNREFUSED' ? 'connection refused' : code}): check GITHUB_API_URL and the runner's network`,
      options,
    );
    this.name = 'GitHubUnreachableError';
  }
}

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
  const baseUrl = options.baseUrl ?? 'https://api.github.com';
  // Server errors and dropped connections may leave a POST half done: only idempotent calls are retried.
  // An address that refuses connections is not retried at all: the fetch below marks the request so the
  // retry plugin (which reads `request.retries` when the error reaches it) gives up at once.
  octokit.hook.before('request', (req) => {
    const request: Record<string, unknown> = { ...req.request };
    if (!isIdempotent(req.method)) request.retries = 0;
    const fetchImpl = (req.request?.fetch as typeof fetch | undefined) ?? globalThis.fetch;
    request.fetch = async (url: string, init: RequestInit) => {
      try {
        return await fetchImpl(url, init);
      } catch (error) {
        const code = networkCode(error);
        if (code && UNREACHABLE.has(code)) (req.request as Record<string, unknown>).retries = 0;
        throw error;
      }
    };
    req.request = request as typeof req.request;
  });
  octokit.hook.error('request', (error) => {
    const code = networkCode(error);
    if (code && UNREACHABLE.has(code)) throw new GitHubUnreachableError(baseUrl, code, { cause: error });
    throw error;
  });
  return octokit;
}
