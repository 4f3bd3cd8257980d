// The GitHub adapter against a loopback GitHub API: files, contents, and carrying out review plans.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createGitHubClient, GitHubUnreachableError } from '../../src/github/client.ts';
import { apiReader, directoryReader, workspaceHeadSha } from '../../src/github/contents.ts';
import type { PullRequestRef } from '../../src/github/event.ts';
import {
  listPullRequestFiles,
  toFileChanges,
  unlistedFiles,
  unlistedSkip,
} from '../../src/github/pr-files.ts';
import { applyReviewPlan, whoAmI } from '../../src/github/reviews.ts';
import { markerFor, planReview } from '../../src/report/review.ts';
import { startGitHubServer } from '../helpers/github-server.ts';
import { change, finding } from '../report/fixtures.ts';

const HEAD = 'a'.repeat(40);
const pr: PullRequestRef = {
  owner: 'octo',
  repo: 'demo',
  number: 7,
  baseSha: 'b'.repeat(40),
  headSha: HEAD,
};
/** Write pacing off: the loopback server has no secondary limits to stay clear of. */
const client = (baseUrl: string) => createGitHubClient({ token: 't', baseUrl, pacing: false });
const tmp = mkdtempSync(join(tmpdir(), 'vulnreview-gh-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('toFileChanges', () => {
  it('parses patches, treats a missing patch as wholly changed, and a pure rename as nothing new', () => {
    const { changes, warnings } = toFileChanges([
      { filename: 'a.c', status: 'modified', patch: '@@ -1,2 +1,3 @@\n int x;\n+int y;\n int z;' },
      { filename: 'big.c', status: 'modified' },
      { filename: 'new/name.c', previous_filename: 'old/name.c', status: 'renamed', changes: 0 },
      { filename: 'gone.c', status: 'removed' },
    ]);
    expect(warnings).toEqual([]);
    expect(changes[0]).toMatchObject({
      path: 'a.c',
      status: 'modified',
      addedLines: [2],
      wholeFile: false,
      hunks: [{ newStart: 1, newLines: 3 }],
    });
    expect(changes[1]).toMatchObject({ path: 'big.c', wholeFile: true });
    expect(changes[2]).toMatchObject({
      path: 'new/name.c',
      oldPath: 'old/name.c',
      status: 'renamed',
      wholeFile: false,
      addedLines: [],
    });
    expect(changes[3]).toMatchObject({ path: 'gone.c', status: 'deleted', wholeFile: false });
  });

  it('a patch that cannot be parsed is analysed whole, with a warning naming the file', () => {
    const { changes, warnings } = toFileChanges([
      { filename: 'odd.c', status: 'modified', patch: '@@ nonsense @@\n+x' },
    ]);
    expect(changes[0]).toMatchObject({ path: 'odd.c', wholeFile: true });
    expect(warnings[0]).toContain('odd.c');
  });
});

describe('listPullRequestFiles', () => {
  it("pages through every file, and counts the files past GitHub's 3000-file cap as unlisted", async () => {
    const files = Array.from({ length: 3050 }, (_, i) => ({
      filename: `f${i}.txt`,
      status: 'added' as const,
      patch: '@@ -0,0 +1 @@\n+x',
    }));
    const gh = await startGitHubServer({ files });
    try {
      const octokit = client(gh.url);
      const big = { ...pr, changedFiles: 3050 };
      const listed = await listPullRequestFiles(octokit, big);
      expect(listed).toHaveLength(3000);
      expect(listed.at(-1)!.filename).toBe('f2999.txt');
      expect(unlistedFiles(big, listed)).toBe(50);
      expect(unlistedFiles({ ...pr, changedFiles: 3000 }, listed)).toBe(0);
      expect(unlistedFiles(pr, listed)).toBe(0);
      expect(unlistedSkip(big, listed)).toMatchObject({
        file: '(50 files GitHub did not list)',
        reason: 'unreadable',
        count: 50,
      });
      expect(unlistedSkip(big, listed)!.detail).toContain('the other 50 were not analysed');
      expect(unlistedSkip(pr, listed)).toBeUndefined();
    } finally {
      await gh.close();
    }
  });
});

describe('reading files at the head', () => {
  it('reads raw contents at the head SHA, falls back to the blob for files over the contents limit, undefined when missing', async () => {
    const gh = await startGitHubServer({
      contents: new Map([[`${HEAD}:src/a.c`, 'int a;\n']]),
      blobs: new Map([['c'.repeat(40), 'int big;\n']]),
      tooLargeForContents: new Set(['src/big.c']),
    });
    try {
      const warnings: string[] = [];
      const read = apiReader(client(gh.url), pr, new Map([['src/big.c', 'c'.repeat(40)]]), (m) =>
        warnings.push(m),
      );
      expect(new TextDecoder().decode(await read('src/a.c'))).toBe('int a;\n');
      expect(new TextDecoder().decode(await read('src/big.c'))).toBe('int big;\n');
      expect(await read('src/missing.c')).toBeUndefined();
      expect(warnings).toEqual([]);
      expect(gh.requests[0]!.query.get('ref')).toBe(HEAD);
    } finally {
      await gh.close();
    }
  });

  it('reads a Latin-1 file byte for byte, though GitHub labels the raw body charset=utf-8', async () => {
    // "é" in Latin-1 is the single byte 0xE9, not valid UTF-8: decoded as text it would become U+FFFD.
    const latin1 = Uint8Array.from([
      ...Buffer.from('/* r'),
      0xe9,
      ...Buffer.from('sum'),
      0xe9,
      ...Buffer.from(' */\nint f(void) { return 0; }\n'),
    ]);
    const gh = await startGitHubServer({ contents: new Map([[`${HEAD}:src/cv.c`, latin1]]) });
    try {
      const read = apiReader(client(gh.url), pr, new Map(), () => {});
      expect(Buffer.from((await read('src/cv.c'))!).equals(Buffer.from(latin1))).toBe(true);
      // The same bytes as the file read from disk, so fingerprints and line hashes agree.
      const ws = join(tmp, 'ws-latin1');
      mkdirSync(join(ws, 'src'), { recursive: true });
      writeFileSync(join(ws, 'src/cv.c'), latin1);
      expect(Buffer.from((await directoryReader(ws)('src/cv.c'))!).equals(Buffer.from(latin1))).toBe(true);
      // An empty file is an empty file, not a missing one.
      gh.contents.set(`${HEAD}:src/empty.c`, '');
      expect(await read('src/empty.c')).toEqual(new Uint8Array(0));
    } finally {
      await gh.close();
    }
  });

  it('knows the workspace commit from .git (detached or on a branch) without running git', async () => {
    const ws = join(tmp, 'ws');
    mkdirSync(join(ws, '.git/refs/heads'), { recursive: true });
    writeFileSync(join(ws, '.git/HEAD'), `${HEAD}\n`);
    expect(await workspaceHeadSha(ws)).toBe(HEAD);
    writeFileSync(join(ws, '.git/HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(ws, '.git/packed-refs'), `# pack-refs\n${'d'.repeat(40)} refs/heads/main\n`);
    expect(await workspaceHeadSha(ws)).toBe('d'.repeat(40));
    writeFileSync(join(ws, '.git/refs/heads/main'), `${'e'.repeat(40)}\n`);
    expect(await workspaceHeadSha(ws)).toBe('e'.repeat(40));
    expect(await workspaceHeadSha(join(tmp, 'nowhere'))).toBeUndefined();
  });

  it('never reads outside the workspace, through .. or a symlink', async () => {
    const ws = join(tmp, 'ws2');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(tmp, 'secret.txt'), 'secret');
    writeFileSync(join(ws, 'ok.c'), 'int ok;');
    symlinkSync(join(tmp, 'secret.txt'), join(ws, 'link.c'));
    const read = directoryReader(ws);
    expect(new TextDecoder().decode(await read('ok.c'))).toBe('int ok;');
    expect(await read('../secret.txt')).toBeUndefined();
    expect(await read('link.c')).toBeUndefined();
  });
});

describe('applyReviewPlan', () => {
  const patch = '@@ -8,3 +9,7 @@\n a\n b\n+c\n d\n e\n f\n g';

  it('posts one COMMENT review with RIGHT-side comments GitHub accepts', async () => {
    const gh = await startGitHubServer({ files: [{ filename: 'src/copy.c', status: 'modified', patch }] });
    try {
      const plan = planReview({ findings: [finding()], changes: [change()], existing: [], maxComments: 30 });
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} });
      expect(out).toMatchObject({ inline: 1, reviewPosted: true, readOnly: false });
      expect(gh.comments[0]).toMatchObject({
        path: 'src/copy.c',
        line: 12,
        start_line: 10,
        side: 'RIGHT',
        commit_id: HEAD,
      });
      // line/side, never the deprecated position; subject_type belongs to the single-comment endpoint only.
      const sent = gh.requests.find((q) => q.method === 'POST')!.body as {
        event: string;
        commit_id: string;
        comments: object[];
      };
      expect(sent).toMatchObject({ event: 'COMMENT', commit_id: HEAD });
      expect(Object.keys(sent.comments[0]!).sort()).toEqual([
        'body',
        'line',
        'path',
        'side',
        'start_line',
        'start_side',
      ]);
    } finally {
      await gh.close();
    }
  });

  it('on 422 posts the review again with the inline comments moved into its body', async () => {
    // The server's patch has a hunk elsewhere, so GitHub (the fake) refuses line 12.
    const gh = await startGitHubServer({
      files: [{ filename: 'src/copy.c', status: 'modified', patch: '@@ -40,2 +40,3 @@\n x\n+y\n z' }],
    });
    try {
      const warnings: string[] = [];
      const plan = planReview({ findings: [finding()], changes: [change()], existing: [], maxComments: 30 });
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: (m) => warnings.push(m) });
      expect(out).toMatchObject({ inline: 0, inBody: 1, reviewPosted: true });
      expect(gh.requests.filter((q) => q.method === 'POST').map((q) => q.status)).toEqual([422, 200]);
      expect(gh.reviews[0]!.body).toContain('copy_name');
      expect(warnings[0]).toContain('422');
    } finally {
      await gh.close();
    }
  });

  it('marks fixed under the fingerprint of the marker that ends our comment, not one quoted before it', async () => {
    const gh = await startGitHubServer({ files: [{ filename: 'src/copy.c', status: 'modified', patch }] });
    try {
      const fp = 'ab'.repeat(16);
      const bot = { login: 'github-actions[bot]', type: 'Bot' };
      const ours = gh.addComment({
        path: 'src/copy.c',
        body: `**vulnreview**: quoting <!-- vulnreview:fp=00000000 --> here\n${markerFor(fp)}`,
        user: bot,
      });
      const existing = [
        { id: ours.id, path: ours.path, body: ours.body, author: bot },
        { id: 99, path: 'src/copy.c', body: 'really?', inReplyToId: ours.id, author: { login: 'alice' } },
      ];
      const plan = planReview({ findings: [], changes: [change()], existing, maxComments: 30 });
      expect(plan.markFixed.map((c) => c.id)).toEqual([ours.id]);
      await applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} });
      expect(gh.comments.at(-1)!.body).toContain(`<!-- vulnreview:fixed=${fp} -->`);
    } finally {
      await gh.close();
    }
  });

  it('a file-level comment goes out as subject_type file', async () => {
    const gh = await startGitHubServer({ files: [{ filename: 'src/copy.c', status: 'modified' }] });
    try {
      const plan = planReview({
        findings: [finding()],
        changes: [change({ wholeFile: true, hunks: [], addedLines: [] })],
        existing: [],
        maxComments: 30,
      });
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} });
      expect(out.fileLevel).toBe(1);
      expect(gh.comments[0]).toMatchObject({ subject_type: 'file', path: 'src/copy.c' });
      expect(gh.reviews).toHaveLength(1); // the summary review still says what was found
    } finally {
      await gh.close();
    }
  });

  it('does not repeat a POST refused by a secondary rate limit without Retry-After', async () => {
    const gh = await startGitHubServer({
      files: [{ filename: 'src/copy.c', status: 'modified', patch }],
      secondaryRateLimit: new Map([['POST /repos/octo/demo/pulls/7/reviews', { times: 1, retryAfter: '' }]]),
    });
    try {
      const plan = planReview({ findings: [finding()], changes: [change()], existing: [], maxComments: 30 });
      await expect(applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} })).rejects.toThrow(
        /secondary rate limit/,
      );
      expect(gh.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });

  it('repeats a POST refused by a secondary rate limit once when GitHub said how long to wait', async () => {
    const gh = await startGitHubServer({
      files: [{ filename: 'src/copy.c', status: 'modified', patch }],
      secondaryRateLimit: new Map([['POST /repos/octo/demo/pulls/7/reviews', { times: 1, retryAfter: '1' }]]),
    });
    try {
      const plan = planReview({ findings: [finding()], changes: [change()], existing: [], maxComments: 30 });
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} });
      expect(out.reviewPosted).toBe(true);
      expect(gh.requests.filter((q) => q.method === 'POST').map((q) => q.status)).toEqual([403, 200]);
      expect(gh.reviews).toHaveLength(1);
    } finally {
      await gh.close();
    }
  });
});

describe('applyReviewPlan after the review is posted', () => {
  const patch = '@@ -8,3 +9,7 @@\n a\n b\n+c\n d\n e\n f\n g';

  it('a 403 on the "fixed" reply warns about that reply and keeps what was posted', async () => {
    const gh = await startGitHubServer({
      files: [{ filename: 'src/copy.c', status: 'modified', patch }],
      forbidden: (method, path) => method === 'POST' && path.endsWith('/replies'),
    });
    try {
      const bot = { login: 'github-actions[bot]', type: 'Bot' };
      const gone = finding({ name: 'gone', source: 'void gone(void) { gets(b); }' });
      const ours = gh.addComment({
        path: 'src/copy.c',
        body: `**vulnreview**: x\n${markerFor(gone.fingerprint)}`,
        user: bot,
      });
      const existing = [
        { id: ours.id, path: ours.path, body: ours.body, author: bot },
        { id: 99, path: 'src/copy.c', body: 'why?', inReplyToId: ours.id, author: { login: 'alice' } },
      ];
      const plan = planReview({ findings: [finding()], changes: [change()], existing, maxComments: 30 });
      expect(plan.markFixed).toHaveLength(1);
      const warnings: string[] = [];
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: (m) => warnings.push(m) });
      expect(out).toMatchObject({ readOnly: false, reviewPosted: true, inline: 1, markedFixed: 0 });
      expect(warnings).toEqual([
        `could not reply to comment ${ours.id} on src/copy.c that its finding is fixed (403)`,
      ]);
    } finally {
      await gh.close();
    }
  });

  it('a 403 on the first write still means a read-only token', async () => {
    const gh = await startGitHubServer({
      files: [{ filename: 'src/copy.c', status: 'modified', patch }],
      forbidden: (method, path) => method === 'POST' && path.endsWith('/replies'),
    });
    try {
      const bot = { login: 'github-actions[bot]', type: 'Bot' };
      const ours = gh.addComment({
        path: 'src/copy.c',
        body: `**vulnreview**: x\n${markerFor('ab'.repeat(16))}`,
        user: bot,
      });
      const existing = [
        { id: ours.id, path: ours.path, body: ours.body, author: bot },
        { id: 99, path: 'src/copy.c', body: 'why?', inReplyToId: ours.id, author: { login: 'alice' } },
      ];
      const plan = planReview({ findings: [], changes: [change()], existing, maxComments: 30 });
      const out = await applyReviewPlan(client(gh.url), pr, plan, { warn: () => {} });
      expect(out).toMatchObject({ readOnly: true, reviewPosted: false, markedFixed: 0 });
    } finally {
      await gh.close();
    }
  });
});

describe('an API address that refuses connections', () => {
  it('fails at once with a message naming the address, without retrying', async () => {
    // A port that was just free: nothing listens there, so every connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      const error = await listPullRequestFiles(client(baseUrl), pr).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitHubUnreachableError);
      expect((error as Error).message).toBe(
        `cannot reach GitHub's API at ${baseUrl} (connection refused): check GITHUB_API_URL and the runner's network`,
      );
      expect(fetchSpy).toHaveBeenCalledTimes(1);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('still retries a read that a server error interrupted', async () => {
    let calls = 0;
    const flaky = createServer((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 502 : 200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(calls === 1 ? JSON.stringify({ message: 'Server Error' }) : '[]');
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
      expect(await listPullRequestFiles(client(url), pr)).toEqual([]);
      expect(calls).toBe(2);
    } finally {
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});

describe('whoAmI', () => {
  it('is the login for a personal token, any bot for an installation token (GET /user answers 403)', async () => {
    const personal = await startGitHubServer({ personalLogin: 'alice' });
    const installation = await startGitHubServer();
    try {
      expect(await whoAmI(client(personal.url))).toEqual({ login: 'alice' });
      expect(await whoAmI(client(installation.url))).toEqual({ anyBot: true });
    } finally {
      await personal.close();
      await installation.close();
    }
  });
});

describe('rate limits', () => {
  it('waits out a primary rate limit (x-ratelimit-remaining 0) until the reset and repeats the read', async () => {
    const gh = await startGitHubServer({
      primaryRateLimit: new Map([['GET /repos/octo/demo/pulls/7/files', { times: 1, resetInSeconds: 0 }]]),
    });
    try {
      const listed = await listPullRequestFiles(client(gh.url), pr);
      expect(listed).toEqual([]);
      expect(gh.requests.map((q) => q.status)).toEqual([403, 200]);
    } finally {
      await gh.close();
    }
  });
});
