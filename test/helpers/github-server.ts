// A real HTTP server on 127.0.0.1 playing the parts of the GitHub REST API vulnreview uses, with every
// request recorded. It checks review comments the way GitHub does (RIGHT-side lines must lie inside a
// hunk of the file's patch, a multi-line range inside one hunk) and answers 422 otherwise, so tests catch
// placements GitHub would refuse.
//
//   const gh = await startGitHubServer({ files: [{ filename: 'a.c', status: 'modified', patch }] });
//   process.env.GITHUB_API_URL = gh.url;  ...  gh.requests, gh.comments, gh.reviews
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakePrFile {
  filename: string;
  status: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  patch?: string;
  previous_filename?: string;
  /** Blob sha, served by the git blobs endpoint. */
  sha?: string;
  changes?: number;
}

export interface FakeComment {
  id: number;
  path: string;
  body: string;
  line?: number;
  start_line?: number;
  side?: string;
  subject_type?: 'line' | 'file';
  in_reply_to_id?: number;
  commit_id?: string;
  user: { login: string; type?: string };
}

export interface FakeReview {
  id: number;
  body: string;
  event: string;
  commit_id?: string;
  user: { login: string; type?: string };
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
  authorization?: string;
  status: number;
  /** Date.now() when the request had arrived. */
  at: number;
}

export interface GitHubServerOptions {
  owner?: string;
  repo?: string;
  number?: number;
  files?: FakePrFile[];
  /** `ref:path` → file bytes, served by the contents API (raw). */
  contents?: Map<string, Uint8Array | string>;
  /** Blob sha → bytes. */
  blobs?: Map<string, Uint8Array | string>;
  /** Every write answers 403, as for a fork PR's read-only token. */
  readOnly?: boolean;
  /** Requests (`METHOD /path`) that answer 403 "Resource not accessible by integration", e.g. replies only. */
  forbidden?: (method: string, path: string) => boolean;
  /** `METHOD /path` → how many times to answer with a secondary rate limit first, and the Retry-After. */
  secondaryRateLimit?: Map<string, { times: number; retryAfter: string }>;
  /**
   * `METHOD /path` → how many times to answer as the primary rate limit does: 403 with
   * `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (epoch seconds) `resetInSeconds` from now.
   */
  primaryRateLimit?: Map<string, { times: number; resetInSeconds: number }>;
  /**
   * The merge base the compare API names for `base...head` (GET /repos/{o}/{r}/compare/{basehead},
   * `merge_base_commit.sha`); default: the base given. `null`: the compare API answers 404.
   */
  mergeBase?: string | null;
  /** `ref:path` whose contents answer 403 "Resource not accessible by integration" (a read that fails). */
  forbiddenContents?: Set<string>;
  /** Paths whose contents answer 403 "too large", to exercise the blob fallback. */
  tooLargeForContents?: Set<string>;
  /**
   * The token's own login, as GET /user answers for a personal token (writes are then by this user). Unset:
   * an installation token like GITHUB_TOKEN, for which GET /user answers 403 and writes are by the bot.
   */
  personalLogin?: string;
}

export interface GitHubServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly comments: FakeComment[];
  readonly reviews: FakeReview[];
  files: FakePrFile[];
  contents: Map<string, Uint8Array | string>;
  options: GitHubServerOptions;
  /** A comment by someone else, e.g. a reply to one of ours. */
  addComment(comment: Omit<FakeComment, 'id'>): FakeComment;
  writes(): RecordedRequest[];
  close(): Promise<void>;
}

export const BOT_LOGIN = 'github-actions[bot]';
/** `user` of what GITHUB_TOKEN writes, as GitHub lists it. */
export const BOT_USER = { login: BOT_LOGIN, type: 'Bot' };

/** New-side hunk ranges of a GitHub patch (hunks only). */
export function patchHunks(patch: string): Array<{ start: number; end: number }> {
  return [...patch.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)].map((m) => {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    return { start, end: start + count - 1 };
  });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  const owner = options.owner ?? 'octo';
  const repo = options.repo ?? 'demo';
  const number = options.number ?? 7;
  const requests: RecordedRequest[] = [];
  const comments: FakeComment[] = [];
  const reviews: FakeReview[] = [];
  let nextId = 1000;
  let baseUrl = '';

  const state = {
    files: options.files ?? [],
    contents: options.contents ?? new Map<string, Uint8Array | string>(),
  };

  const writer = () =>
    options.personalLogin ? { login: options.personalLogin, type: 'User' } : { ...BOT_USER };

  function send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  function paginate<T>(
    res: ServerResponse,
    items: T[],
    query: URLSearchParams,
    path: string,
    cap = Infinity,
  ) {
    const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
    const page = Number(query.get('page') ?? 1);
    const all = items.slice(0, cap);
    const slice = all.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < all.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      next.set('per_page', String(perPage));
      headers.link = `<${baseUrl}${path}?${next}>; rel="next"`;
    }
    send(res, 200, slice, headers);
  }

  /** Why GitHub would refuse a review comment's placement: which field, and the review endpoint's sentence. */
  function validateLine(c: {
    path: string;
    line?: number;
    start_line?: number;
    side?: string;
  }): { field: string; sentence: string } | undefined {
    const lineNotInDiff = {
      field: 'pull_request_review_thread.line',
      sentence:
        "Pull request review thread line must be part of the diff and Pull request review thread diff hunk can't be blank",
    };
    const file = state.files.find((f) => f.filename === c.path);
    if (!file) return { field: 'pull_request_review_thread.path', sentence: 'Path could not be resolved' };
    if (!file.patch || (c.side && c.side !== 'RIGHT')) return lineNotInDiff;
    const hunk = patchHunks(file.patch).find(
      (h) => c.line !== undefined && c.line >= h.start && c.line <= h.end,
    );
    if (!hunk) return lineNotInDiff;
    if (c.start_line !== undefined && c.start_line >= c.line!)
      return {
        field: 'pull_request_review_thread.start_line',
        sentence: 'Pull request review thread start line must precede the end line.',
      };
    if (c.start_line !== undefined && c.start_line < hunk.start)
      return {
        field: 'pull_request_review_thread.start_line',
        sentence: 'Pull request review thread start line must be part of the same hunk as the line.',
      };
    return undefined;
  }

  /** The review endpoint's 422: one sentence, not saying which comment it refused. */
  function refuseReview(res: ServerResponse, problem: { sentence: string }) {
    return send(res, 422, {
      message: 'Unprocessable Entity',
      errors: [problem.sentence],
      documentation_url: 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request',
      status: '422',
    });
  }

  /** The single-comment endpoint's 422: a structured validation error. */
  function refuseComment(res: ServerResponse, problem: { field: string }) {
    return send(res, 422, {
      message: 'Validation Failed',
      errors: [
        {
          resource: 'PullRequestReviewComment',
          code: 'custom',
          field: problem.field,
          message: 'could not be resolved',
        },
      ],
      documentation_url:
        'https://docs.github.com/rest/pulls/comments#create-a-review-comment-for-a-pull-request',
      status: '422',
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, record: RecordedRequest) {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = req.method ?? 'GET';
    const p = url.pathname;
    const prBase = `/repos/${owner}/${repo}/pulls/${number}`;
    const limited = options.secondaryRateLimit?.get(`${method} ${p}`);
    if (limited && limited.times > 0) {
      limited.times--;
      return send(
        res,
        403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        },
        { 'retry-after': limited.retryAfter },
      );
    }
    const primary = options.primaryRateLimit?.get(`${method} ${p}`);
    if (primary && primary.times > 0) {
      primary.times--;
      return send(
        res,
        403,
        {
          message: 'API rate limit exceeded for installation ID 1.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        },
        {
          'x-ratelimit-limit': '1000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': '1000',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + primary.resetInSeconds),
        },
      );
    }
    const isWrite = method !== 'GET' && method !== 'HEAD';
    if ((isWrite && options.readOnly) || options.forbidden?.(method, p))
      return send(res, 403, {
        message: 'Resource not accessible by integration',
        documentation_url: 'https://docs.github.com/rest',
        status: '403',
      });
    if (method === 'GET' && p === '/user') {
      if (!options.personalLogin)
        return send(res, 403, {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          status: '403',
        });
      return send(res, 200, { login: options.personalLogin, type: 'User' });
    }

    if (method === 'GET' && p === `${prBase}/files`)
      return paginate(res, state.files, url.searchParams, p, 3000);
    const contents = new RegExp(`^/repos/${owner}/${repo}/contents/(.+)$`).exec(p);
    if (method === 'GET' && contents) {
      const path = decodeURIComponent(contents[1]!);
      if (options.tooLargeForContents?.has(path)) {
        return send(res, 403, {
          message: 'This API returns blobs up to 1 MB in size.',
          errors: [{ code: 'too_large' }],
        });
      }
      if (options.forbiddenContents?.has(`${url.searchParams.get('ref')}:${path}`)) {
        return send(res, 403, { message: 'Resource not accessible by integration', status: '403' });
      }
      const data = state.contents.get(`${url.searchParams.get('ref')}:${path}`);
      if (data === undefined) return send(res, 404, { message: 'Not Found' });
      // What api.github.com sends for the raw media type, whatever bytes the file holds (recorded
      // responses in other projects' doubles agree: `application/vnd.github.raw; charset=utf-8`). The
      // charset is what makes an HTTP client decode a Latin-1 file as UTF-8 and lose bytes.
      res.writeHead(200, {
        'content-type': 'application/vnd.github.raw; charset=utf-8',
        'content-length': String(Buffer.byteLength(data)),
        etag: `"${createHash('sha1').update(data).digest('hex')}"`,
      });
      return res.end(Buffer.from(data));
    }
    // Compare two commits: the fields of the answer vulnreview reads (docs.github.com/rest/commits/commits#compare-two-commits).
    const compare = new RegExp(`^/repos/${owner}/${repo}/compare/([^/]+)\\.\\.\\.([^/]+)$`).exec(p);
    if (method === 'GET' && compare) {
      if (options.mergeBase === null) return send(res, 404, { message: 'Not Found' });
      const [, base, head] = compare.map(decodeURIComponent);
      return send(res, 200, {
        status: 'ahead',
        base_commit: { sha: base },
        merge_base_commit: { sha: options.mergeBase ?? base },
        commits: [{ sha: head }],
        files: state.files,
      });
    }
    const blob = new RegExp(`^/repos/${owner}/${repo}/git/blobs/([0-9a-f]+)$`).exec(p);
    if (method === 'GET' && blob) {
      const data = options.blobs?.get(blob[1]!);
      if (data === undefined) return send(res, 404, { message: 'Not Found' });
      return send(res, 200, {
        sha: blob[1],
        encoding: 'base64',
        content: Buffer.from(data).toString('base64'),
      });
    }
    if (method === 'GET' && p === `${prBase}/comments`) return paginate(res, comments, url.searchParams, p);
    if (method === 'GET' && p === `${prBase}/reviews`) return paginate(res, reviews, url.searchParams, p);

    if (method === 'POST' && p === `${prBase}/reviews`) {
      const body = record.body as {
        body?: string;
        event?: string;
        commit_id?: string;
        comments?: Array<FakeComment>;
      };
      for (const c of body.comments ?? []) {
        const problem = validateLine(c);
        if (problem) return refuseReview(res, problem);
      }
      const review: FakeReview = {
        id: nextId++,
        body: body.body ?? '',
        event: body.event ?? '',
        commit_id: body.commit_id,
        user: writer(),
      };
      reviews.push(review);
      for (const c of body.comments ?? []) {
        comments.push({
          ...c,
          id: nextId++,
          subject_type: 'line',
          commit_id: body.commit_id,
          user: writer(),
        });
      }
      return send(res, 200, review);
    }
    if (method === 'POST' && p === `${prBase}/comments`) {
      const body = record.body as FakeComment & { subject_type?: string };
      if (body.subject_type !== 'file') {
        const problem = validateLine(body);
        if (problem) return refuseComment(res, problem);
      } else if (!state.files.some((f) => f.filename === body.path)) {
        return refuseComment(res, { field: 'pull_request_review_thread.path' });
      }
      const comment: FakeComment = { ...body, id: nextId++, user: writer() } as FakeComment;
      comments.push(comment);
      return send(res, 201, comment);
    }
    const reply = new RegExp(`^${prBase}/comments/(\\d+)/replies$`).exec(p);
    if (method === 'POST' && reply) {
      const parent = comments.find((c) => c.id === Number(reply[1]));
      if (!parent) return send(res, 404, { message: 'Not Found' });
      const body = record.body as { body: string };
      const comment: FakeComment = {
        id: nextId++,
        path: parent.path,
        body: body.body,
        in_reply_to_id: parent.id,
        user: writer(),
      };
      comments.push(comment);
      return send(res, 201, comment);
    }
    const del = new RegExp(`^/repos/${owner}/${repo}/pulls/comments/(\\d+)$`).exec(p);
    if (method === 'DELETE' && del) {
      const i = comments.findIndex((c) => c.id === Number(del[1]));
      if (i < 0) return send(res, 404, { message: 'Not Found' });
      comments.splice(i, 1);
      res.writeHead(204);
      return res.end();
    }
    return send(res, 404, { message: `fake GitHub has no route for ${method} ${p}` });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      status: 0,
      at: 0,
    };
    record.body = await readBody(req);
    record.at = Date.now();
    requests.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    try {
      await handle(req, res, record);
    } catch (error) {
      send(res, 500, { message: String(error) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    requests,
    comments,
    reviews,
    get files() {
      return state.files;
    },
    set files(files: FakePrFile[]) {
      state.files = files;
    },
    get contents() {
      return state.contents;
    },
    set contents(c) {
      state.contents = c;
    },
    options,
    addComment(comment) {
      const c = { ...comment, id: nextId++ };
      comments.push(c);
      return c;
    },
    writes: () => requests.filter((r) => r.method !== 'GET'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
