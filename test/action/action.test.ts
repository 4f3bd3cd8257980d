// End to end: the action's run() against a loopback GitHub API and a loopback model server.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkUpload } from '../helpers/code-scanning.ts';
import { type GitHubServer, startGitHubServer } from '../helpers/github-server.ts';
import { answer, codeOf, type ModelServer, startModelServer, status } from '../helpers/model-server.ts';
import { type ActionRun, addedFile, cleanup, restoreEnv, runAction } from './harness.ts';

const schema = JSON.parse(
  readFileSync(new URL('../testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const validateSarif = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
  schema,
);

const HEAD1 = '1'.repeat(40);
const HEAD2 = '2'.repeat(40);

const VULNERABLE = `#include <string.h>

void copy_name(char *dst, const char *src)
{
    char buf[16];
    strcpy(buf, src);
    strcpy(dst, buf);
}

int add(int a, int b)
{
    return a + b;
}
`;

const FIXED = `#include <stdio.h>

void copy_name(char *dst, const char *src)
{
    snprintf(dst, 16, "%s", src);
}

int add(int a, int b)
{
    return a + b;
}
`;

let model: ModelServer;
const runs: ActionRun[] = [];
const tempDirs: string[] = [];

beforeAll(async () => {
  model = await startModelServer({
    models: ['vdisc-lora'],
    reply: ({ body }) =>
      codeOf(body).includes('strcpy') ? answer('Yes: CWE-120', { pYes: 0.95 }) : answer('No'),
  });
});
afterAll(async () => {
  await model.close();
  runs.forEach(cleanup);
  tempDirs.forEach((d) => {
    rmSync(d, { recursive: true, force: true });
  });
});
afterEach(() => restoreEnv());

const endpointInputs = () => ({ endpoint: model.url, model: 'vdisc-lora' });

function prWith(gh: GitHubServer, head: string, files: Record<string, string>) {
  gh.files = Object.entries(files).map(([name, text]) => addedFile(name, text));
  for (const [name, text] of Object.entries(files)) gh.contents.set(`${head}:${name}`, text);
}

async function go(gh: GitHubServer, headSha: string, extra: Partial<Parameters<typeof runAction>[0]> = {}) {
  const r = await runAction({ gh, headSha, inputs: endpointInputs(), ...extra });
  runs.push(r);
  return r;
}

describe('the action on a pull request', () => {
  it('a new PR: one review with an inline comment on the vulnerable function, SARIF, summary and outputs', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE, 'README.md': '# demo\n' });
    const r = await go(gh, HEAD1);
    await gh.close();

    expect(r.exitCode).toBeUndefined();
    expect(gh.reviews).toHaveLength(1);
    expect(gh.reviews[0]!.event).toBe('COMMENT');
    const [comment] = gh.comments;
    expect(gh.comments).toHaveLength(1);
    expect(comment!.path).toBe('src/copy.c');
    expect(comment!.line).toBeGreaterThanOrEqual(3);
    expect(comment!.line).toBeLessThanOrEqual(8);
    expect(comment!.side).toBe('RIGHT');
    expect(comment!.body).toContain('`copy_name`');
    expect(comment!.body).toContain('confidence **0.95**');
    expect(comment!.body).toMatch(/<!-- vulnreview:fp=[0-9a-f]+ cat=vulnreview%2F -->$/);
    expect(gh.requests.every((q) => q.authorization === 'token ghs_test_token')).toBe(true);

    expect(r.outputs).toMatchObject({
      findings: '1',
      'analysed-functions': '2',
      'skipped-functions': '0',
      'high-confidence-findings': '0',
    });
    expect(validateSarif(r.sarif)).toBe(true);
    // biome-ignore lint/suspicious/noExplicitAny: SARIF read back as JSON
    const result = (r.sarif as any).runs[0].results[0];
    expect(result.ruleId).toMatch(/^vulnreview\//);
    expect(result).toMatchObject({
      properties: { function: 'copy_name', backend: 'endpoint', model: 'vdisc-lora' },
    });
    expect(r.summary).toContain('| Changed functions | 2 |');
    expect(r.summary).toContain(`(https://github.example/octo/demo/blob/${HEAD1}/src/copy.c#L3)`);
    expect(r.summary).toContain(
      '> Review posted: 1 inline comment, 0 file-level comments, 0 findings listed',
    );
    expect(r.commands.filter((c) => !c.startsWith('::add-mask::')).join('\n')).not.toContain(
      'ghs_test_token',
    );
  });

  it('a re-run on the same commit posts nothing new; a push that fixes the function removes its comment', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1);
    expect(gh.comments).toHaveLength(1);
    const writesAfterFirst = gh.writes().length;

    await go(gh, HEAD1);
    expect(gh.writes()).toHaveLength(writesAfterFirst);
    expect(gh.reviews).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);

    prWith(gh, HEAD2, { 'src/copy.c': FIXED });
    const fixed = await go(gh, HEAD2);
    await gh.close();
    expect(fixed.outputs.findings).toBe('0');
    expect(gh.comments).toHaveLength(0);
    expect(gh.writes().at(-1)).toMatchObject({ method: 'DELETE', status: 204 });
    expect(gh.reviews).toHaveLength(1);
  });

  it('a fixed finding whose comment got a reply is kept and answered once, not deleted', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1);
    const ours = gh.comments[0]!;
    gh.addComment({
      path: ours.path,
      body: 'Is this a real problem?',
      in_reply_to_id: ours.id,
      user: { login: 'alice' },
    });

    prWith(gh, HEAD2, { 'src/copy.c': FIXED });
    await go(gh, HEAD2);
    await go(gh, HEAD2);
    await gh.close();
    expect(gh.comments.map((c) => c.id)).toContain(ours.id);
    const fixedReplies = gh.comments.filter(
      (c) => c.in_reply_to_id === ours.id && c.body.includes('no longer reports'),
    );
    expect(fixedReplies).toHaveLength(1);
  });

  it('reads files from the workspace when it is checked out at the head SHA, not through the API', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    gh.contents.clear();
    const ws = mkdtempSync(join(tmpdir(), 'vulnreview-ws-'));
    tempDirs.push(ws);
    mkdirSync(join(ws, '.git'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, '.git/HEAD'), `${HEAD1}\n`);
    writeFileSync(join(ws, 'src/copy.c'), VULNERABLE);
    const r = await go(gh, HEAD1, { workspace: ws });
    await gh.close();
    expect(gh.requests.some((q) => q.path.includes('/contents/'))).toBe(false);
    expect(r.outputs.findings).toBe('1');
  });

  it('a file whose patch GitHub left out is analysed whole and commented at file level', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    gh.files = [{ filename: 'src/copy.c', status: 'modified', changes: 9000 }];
    const r = await go(gh, HEAD1);
    await gh.close();
    expect(r.outputs.findings).toBe('1');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]).toMatchObject({ path: 'src/copy.c', subject_type: 'file' });
    expect(gh.comments[0]!.line).toBeUndefined();
  });

  it('a fork PR (read-only token): one clear warning, no crash, SARIF and summary still written', async () => {
    const gh = await startGitHubServer({ readOnly: true });
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const r = await go(gh, HEAD1, { fromFork: true });
    await gh.close();
    expect(r.exitCode).toBeUndefined();
    const warnings = r.commands.filter((c) => c.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('read-only');
    // Refusals the action handles are not errors: no red ::error:: annotation on a passing run.
    expect(r.commands.filter((c) => c.startsWith('::error'))).toEqual([]);
    expect(gh.writes().map((w) => w.status)).toEqual([403]);
    expect(validateSarif(r.sarif)).toBe(true);
    expect(r.outputs.findings).toBe('1');
    expect(r.summary).toContain('read-only');
  });

  it('200 changed functions: the inline cap is honoured and the rest are listed in the review body', async () => {
    const gh = await startGitHubServer();
    const source = Array.from(
      { length: 200 },
      (_, i) =>
        `void copy_${i}(char *dst, const char *src)\n{\n    char buf[${i + 8}];\n    strcpy(buf, src);\n}\n`,
    ).join('\n');
    prWith(gh, HEAD1, { 'src/many.c': source });
    const r = await go(gh, HEAD1);
    await gh.close();
    expect(r.outputs.findings).toBe('200');
    expect(gh.reviews).toHaveLength(1);
    expect(gh.comments).toHaveLength(30);
    const listed = gh.reviews[0]!.body.match(/<!-- vulnreview:fp=/g) ?? [];
    expect(listed).toHaveLength(170);
  });

  it('a secondary rate limit with Retry-After is waited out and the read repeated', async () => {
    const gh = await startGitHubServer({
      secondaryRateLimit: new Map([['GET /repos/octo/demo/pulls/7/files', { times: 1, retryAfter: '1' }]]),
    });
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const r = await go(gh, HEAD1);
    await gh.close();
    const fileLists = gh.requests.filter((q) => q.path === '/repos/octo/demo/pulls/7/files');
    expect(fileLists.map((q) => q.status)).toEqual([403, 200]);
    expect(r.outputs.findings).toBe('1');
    expect(gh.reviews).toHaveLength(1);
  });

  it('a model outage fails the check under on-error fail, and warns (never silently) under warn', async () => {
    const down = await startModelServer({
      models: ['vdisc-lora'],
      reply: () => status(503, { retryAfter: '0' }),
    });
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    try {
      const failed = await go(gh, HEAD1, {
        inputs: { endpoint: down.url, model: 'vdisc-lora', 'on-error': 'fail' },
      });
      expect(failed.exitCode).toBe(1);
      expect(failed.commands.find((c) => c.startsWith('::error'))).toContain(
        '2 changed functions or files were not analysed',
      );
      expect(failed.outputs['skipped-functions']).toBe('2');
      expect(failed.summary).toContain('model failed after retries');

      const warned = await go(gh, HEAD1, {
        inputs: { endpoint: down.url, model: 'vdisc-lora', 'on-error': 'warn' },
      });
      expect(warned.exitCode).toBeUndefined();
      expect(warned.commands.some((c) => c.startsWith('::warning') && c.includes('not analysed'))).toBe(true);
      expect(gh.reviews).toHaveLength(0);
    } finally {
      await down.close();
      await gh.close();
    }
  });

  it('unclassified answers count as unanalysed: on-error fail fails the check, SARIF says incomplete', async () => {
    const vague = await startModelServer({
      models: ['vdisc-lora'],
      reply: () => answer('Perhaps, hard to say'),
    });
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    try {
      const r = await go(gh, HEAD1, {
        inputs: { endpoint: vague.url, model: 'vdisc-lora', 'on-error': 'fail' },
      });
      expect(r.exitCode).toBe(1);
      expect(r.outputs.findings).toBe('0');
      expect(r.outputs['skipped-functions']).toBe('2');
      expect(r.summary).toContain('Perhaps, hard to say');
      expect(
        (r.sarif as { runs: Array<{ invocations: Array<{ executionSuccessful: boolean }> }> }).runs[0]!
          .invocations[0]!.executionSuccessful,
      ).toBe(false);
    } finally {
      await vague.close();
      await gh.close();
    }
  });

  it('fail-on-confidence trips the gate when a finding reaches it', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const r = await go(gh, HEAD1, { inputs: { ...endpointInputs(), 'fail-on-confidence': '0.9' } });
    await gh.close();
    expect(r.outputs['high-confidence-findings']).toBe('1');
    expect(r.exitCode).toBe(1);
    expect(r.commands.find((c) => c.startsWith('::error'))).toContain('at or above confidence 0.9');
  });

  it('a push that removes the C/C++ change entirely still removes our outdated comment', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1);
    expect(gh.comments).toHaveLength(1);
    prWith(gh, HEAD2, { 'README.md': '# only docs now\n' });
    await go(gh, HEAD2);
    await gh.close();
    expect(gh.comments).toHaveLength(0);
  });

  it("a person's comment that copies ours (marker included) is neither deleted nor hides the finding", async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1);
    const ours = gh.comments[0]!;
    // Alice pastes our comment as her own, and ours is gone; the next push still has the finding.
    const pasted = gh.addComment({
      path: ours.path,
      body: ours.body,
      line: ours.line,
      user: { login: 'alice', type: 'User' },
    });
    gh.comments.splice(gh.comments.indexOf(ours), 1);
    gh.reviews.length = 0;
    prWith(gh, HEAD2, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD2);
    expect(gh.comments.filter((c) => c.user.login !== 'alice')).toHaveLength(1);
    // A push that fixes it: our new comment goes, Alice's stays.
    prWith(gh, '3'.repeat(40), { 'src/copy.c': FIXED });
    await go(gh, '3'.repeat(40));
    await gh.close();
    expect(gh.comments.map((c) => c.id)).toEqual([pasted.id]);
    expect(gh.requests.filter((q) => q.method === 'DELETE').map((q) => q.path)).not.toContain(
      `/repos/octo/demo/pulls/comments/${pasted.id}`,
    );
  });

  it('parse warnings (code that did not parse) become warnings and a summary section', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/macro.c': `${FIXED}@@@ $$$ \`\`\`\n@@@ $$$ \`\`\`\n@@@ $$$ \`\`\`\n` });
    const r = await go(gh, HEAD1);
    await gh.close();
    expect(
      r.commands.some(
        (c) => c.startsWith('::warning') && c.includes('src/macro.c') && c.includes('did not parse'),
      ),
    ).toBe(true);
    expect(r.summary).toContain('### Parse warnings');
  });

  it("files past GitHub's 3000-file listing cap are counted as unanalysed, never passed silently", async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': FIXED });
    gh.files.push(...Array.from({ length: 3004 }, (_, i) => addedFile(`docs/p${i}.md`, 'x\n')));
    const r = await go(gh, HEAD1, { inputs: { ...endpointInputs(), 'on-error': 'fail' } });
    await gh.close();
    expect(r.outputs['skipped-functions']).toBe('5');
    expect(r.exitCode).toBe(1);
    expect(
      r.commands.some((c) => c.startsWith('::warning') && c.includes('the other 5 were not analysed')),
    ).toBe(true);
    expect(r.summary).toContain('lists only the first 3000');
    expect(r.summary).toContain('**Incomplete analysis:** 5 of the changed functions or files');
    // biome-ignore lint/suspicious/noExplicitAny: SARIF read back as plain JSON
    const inv = (r.sarif as any).runs[0].invocations[0];
    // Two functions were analysed: the run succeeded, its gap is a warning notification.
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.toolExecutionNotifications[0]).toMatchObject({ level: 'warning' });
    expect(inv.toolExecutionNotifications[0].message.text).toContain('the other 5 were not analysed');
    expect(validateSarif(r.sarif)).toBe(true);
  });

  it("two runs with different categories on one PR leave each other's comments alone", async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1, { inputs: { ...endpointInputs(), category: 'vulnreview/a' } });
    expect(gh.comments).toHaveLength(1);
    // Run b sees the code fixed (its own view): it has nothing of its own to remove, and posts nothing.
    prWith(gh, HEAD2, { 'src/copy.c': FIXED });
    await go(gh, HEAD2, { inputs: { ...endpointInputs(), category: 'vulnreview/b' } });
    expect(gh.comments).toHaveLength(1);
    // Run a on the fixed code removes its own comment.
    await go(gh, HEAD2, { inputs: { ...endpointInputs(), category: 'vulnreview/a' } });
    await gh.close();
    expect(gh.comments).toHaveLength(0);
  });

  it('a PR touching no C/C++: a notice, a clean exit, nothing posted and no model asked', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'README.md': '# demo\n', 'scripts/build.py': 'print(1)\n' });
    const before = model.chatRequests().length;
    const r = await go(gh, HEAD1);
    await gh.close();
    expect(r.exitCode).toBeUndefined();
    expect(gh.writes()).toEqual([]);
    expect(model.chatRequests().length).toBe(before);
    expect(r.commands.some((c) => c.startsWith('::notice') && c.includes('none of them C or C++'))).toBe(
      true,
    );
    expect(r.outputs.findings).toBe('0');
    expect(validateSarif(r.sarif)).toBe(true);
  });

  it('a bad input fails the run with a message naming it, before any request', async () => {
    const gh = await startGitHubServer();
    const r = await go(gh, HEAD1, { inputs: { ...endpointInputs(), 'on-error': 'maybe' } });
    await gh.close();
    expect(r.exitCode).toBe(1);
    expect(r.commands.find((c) => c.startsWith('::error'))).toContain(
      'invalid on-error "maybe": expected fail or warn',
    );
    expect(gh.requests).toEqual([]);
    // A prompt file that does not exist, even with the rules backend (which does not use it).
    const gh2 = await startGitHubServer();
    const r2 = await go(gh2, HEAD1, { inputs: { backend: 'rules', prompt: 'no/such/prompt.txt' } });
    await gh2.close();
    expect(r2.exitCode).toBe(1);
    expect(r2.commands.find((c) => c.startsWith('::error'))).toContain(
      "prompt 'no/such/prompt.txt' is neither",
    );
    expect(gh2.requests).toEqual([]);
  });

  it('prints a progress line while functions are analysed', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const r = await go(gh, HEAD1);
    await gh.close();
    expect(r.log).toContain('Analysing changed functions with endpoint (vdisc-lora) as they are found');
    // One closing line for the whole run, however the total grew while files were read.
    expect(r.log.match(/^\d+\/\d+\+? functions \(/gm)).toEqual(['2/2 functions (']);
  });

  it('masks the API key and sends it only to the model endpoint', async () => {
    const keyed = await startModelServer({
      models: ['vdisc-lora'],
      apiKey: 'sk-secret-123',
      reply: () => answer('No'),
    });
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    try {
      const r = await go(gh, HEAD1, {
        inputs: { endpoint: keyed.url, model: 'vdisc-lora', 'api-key': 'sk-secret-123' },
      });
      expect(r.exitCode).toBeUndefined();
      expect(r.commands).toContain('::add-mask::sk-secret-123');
      expect(keyed.chatRequests().length).toBe(2);
      expect(keyed.chatRequests().every((q) => q.headers.authorization === 'Bearer sk-secret-123')).toBe(
        true,
      );
      expect(gh.requests.some((q) => JSON.stringify(q).includes('sk-secret-123'))).toBe(false);
      expect(r.summary).not.toContain('sk-secret-123');
    } finally {
      await keyed.close();
      await gh.close();
    }
  });

  it('an event without a pull request: a notice and a clean exit', async () => {
    const gh = await startGitHubServer();
    const r = await go(gh, HEAD1, { eventName: 'push' });
    await gh.close();
    expect(r.exitCode).toBeUndefined();
    expect(gh.requests).toEqual([]);
    expect(r.commands.some((c) => c.startsWith('::notice') && c.includes('"push"'))).toBe(true);
  });

  it('a 403 on the "fixed" reply after the review was posted: the summary says what was posted', async () => {
    const gh = await startGitHubServer({
      forbidden: (method, path) => method === 'POST' && path.endsWith('/replies'),
    });
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    await go(gh, HEAD1);
    const ours = gh.comments[0]!;
    gh.addComment({ path: ours.path, body: 'Really?', in_reply_to_id: ours.id, user: { login: 'alice' } });
    // The push fixes copy_name and adds a new finding elsewhere: a review is posted, then the reply refused.
    prWith(gh, HEAD2, { 'src/copy.c': FIXED, 'src/other.c': VULNERABLE.replace('copy_name', 'other_name') });
    const r = await go(gh, HEAD2);
    await gh.close();
    expect(gh.reviews).toHaveLength(2);
    expect(r.summary).toContain('> Review posted: 1 inline comment');
    expect(r.summary).not.toContain('were not posted');
    const warnings = r.commands.filter((c) => c.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`could not reply to comment ${ours.id}`);
  });

  it('a Latin-1 file read through the API fingerprints as from disk: adding a checkout re-posts nothing', async () => {
    // "é" as the single Latin-1 byte 0xE9 (not valid UTF-8), inside the function the finding is about.
    const latin1 = Buffer.from(
      VULNERABLE.replace('char buf[16];', 'char buf[16]; /* caf\u00e9 */'),
      'latin1',
    );
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/cv.c': VULNERABLE });
    gh.contents.set(`${HEAD1}:src/cv.c`, latin1);
    const viaApi = await go(gh, HEAD1);
    expect(gh.comments).toHaveLength(1);
    const writes = gh.writes().length;
    // The same commit, now with the workspace checked out at the head (a workflow that added a checkout).
    const ws = mkdtempSync(join(tmpdir(), 'vulnreview-ws-'));
    tempDirs.push(ws);
    mkdirSync(join(ws, '.git'), { recursive: true });
    mkdirSync(join(ws, 'src'), { recursive: true });
    writeFileSync(join(ws, '.git/HEAD'), `${HEAD1}\n`);
    writeFileSync(join(ws, 'src/cv.c'), latin1);
    const fromDisk = await go(gh, HEAD1, { workspace: ws });
    await gh.close();
    expect(gh.writes()).toHaveLength(writes);
    // biome-ignore lint/suspicious/noExplicitAny: SARIF read back as JSON
    const fp = (r: ActionRun) => (r.sarif as any).runs[0].results.map((x: any) => x.partialFingerprints);
    expect(fp(fromDisk)).toEqual(fp(viaApi));
  });

  it('writes SARIF that upload-sarif accepts, with the line hash it would compute from the checkout', async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const r = await go(gh, HEAD1);
    await gh.close();
    const check = checkUpload(JSON.stringify(r.sarif), new Map([['src/copy.c', VULNERABLE]]));
    expect(check).toMatchObject({ errors: [], tracking: [], unsuccessfulExecution: false });
  });

  it("fails at once, saying so, when GitHub's API refuses connections", async () => {
    const gh = await startGitHubServer();
    prWith(gh, HEAD1, { 'src/copy.c': VULNERABLE });
    const url = gh.url;
    await gh.close();
    await expect(go({ ...gh, url } as GitHubServer, HEAD1)).rejects.toThrow(
      `cannot reach GitHub's API at ${url} (connection refused)`,
    );
  });
});
