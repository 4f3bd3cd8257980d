// The delta end to end: the action against the loopback GitHub API and model server, on a pull request that
// edits a function which already had a flagged weakness and adds a new function with one. Only the new one
// is commented and can fail the check; the old one is `unchanged` in SARIF and listed as pre-existing in
// the review body; a later push that fixes the old one shows it as fixed; an explanation double names a
// line and a reason, and the comment sits on that line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubServer, startGitHubServer } from '../helpers/github-server.ts';
import { answer, codeOf, type ModelServer, startModelServer } from '../helpers/model-server.ts';
import { type ActionRun, cleanup, restoreEnv, runAction } from './harness.ts';

const schema = JSON.parse(
  readFileSync(new URL('../testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const validateSarif = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
  schema,
);

const BASE_SHA = 'b'.repeat(40);
const MERGE_BASE = 'c'.repeat(40);
const HEAD1 = '1'.repeat(40);
const HEAD2 = '2'.repeat(40);

const BASE = `#include <string.h>

void parse_opts(char *dst, const char *src)
{
    char buf[16];
    strcpy(buf, src);
    strcpy(dst, buf);
}
`;

// parse_opts edited (its strcpy is still there); log_line added with one of its own (line 14).
const HEAD_1 = `#include <string.h>

void parse_opts(char *dst, const char *src)
{
    char buf[16];
    if (!src) return;
    strcpy(buf, src);
    strcpy(dst, buf);
}

void log_line(const char *msg)
{
    char line[32];
    strcpy(line, msg);
    puts(line);
}
`;

// A later push: parse_opts fixed, log_line as before.
const HEAD_2 = HEAD_1.replace(
  '    strcpy(buf, src);\n    strcpy(dst, buf);',
  '    snprintf(dst, 16, "%s", src);',
);

const work = mkdtempSync(join(tmpdir(), 'vulnreview-delta-'));

/** The patch of one file as GitHub's files API gives it: hunks only, from real `git diff` output. */
function githubPatch(before: string, after: string): string {
  writeFileSync(join(work, 'old'), before);
  writeFileSync(join(work, 'new'), after);
  const out = spawnSync('git', ['diff', '--no-index', '--no-color', 'old', 'new'], {
    cwd: work,
    encoding: 'utf8',
  });
  return out.stdout.slice(out.stdout.indexOf('@@')).replace(/\n$/, '');
}

const EXPLANATION = {
  line: 14,
  reason:
    'strcpy copies msg into the 32-byte line buffer without a bound. @maintainer a long <b>msg</b> overflows the stack.',
  fix: { start_line: 14, end_line: 14, code: '    snprintf(line, sizeof line, "%s", msg);' },
};

let model: ModelServer;
const runs: ActionRun[] = [];
beforeAll(async () => {
  model = await startModelServer({
    models: ['vdisc-lora', 'explainer'],
    reply: ({ body }) => {
      // The explanation double: an instruct model answering the schema it was given.
      if (body.model === 'explainer') return answer(JSON.stringify(EXPLANATION));
      return codeOf(body).includes('strcpy') ? answer('Yes: CWE-120', { pYes: 0.95 }) : answer('No');
    },
  });
});
afterAll(async () => {
  await model.close();
  runs.forEach(cleanup);
  rmSync(work, { recursive: true, force: true });
});
afterEach(() => restoreEnv());

function push(gh: GitHubServer, head: string, text: string) {
  gh.files = [{ filename: 'src/parse.c', status: 'modified', patch: githubPatch(BASE, text) }];
  gh.contents.set(`${head}:src/parse.c`, text);
}

async function go(gh: GitHubServer, headSha: string, inputs: Record<string, string> = {}) {
  const r = await runAction({
    gh,
    headSha,
    baseSha: BASE_SHA,
    inputs: { endpoint: model.url, model: 'vdisc-lora', 'fail-on-confidence': '0.9', ...inputs },
  });
  runs.push(r);
  return r;
}

// biome-ignore lint/suspicious/noExplicitAny: SARIF read back as JSON
const results = (r: ActionRun): any[] => (r.sarif as any).runs[0].results;

describe('the action compares the pull request with its base', () => {
  it('comments and gates only the new finding; the old one is unchanged in SARIF and pre-existing in the body; a later fix shows as fixed', async () => {
    const gh = await startGitHubServer({ mergeBase: MERGE_BASE });
    gh.contents.set(`${MERGE_BASE}:src/parse.c`, BASE);
    push(gh, HEAD1, HEAD_1);
    model.reset();
    const first = await go(gh, HEAD1, {
      'explain-endpoint': model.url,
      'explain-model': 'explainer',
      'explain-api-key': 'sk-explain-key',
    });
    // The explain key is masked, and sent to the explain model only.
    expect(first.commands).toContain('::add-mask::sk-explain-key');
    const auth = (m: string) =>
      model
        .chatRequests()
        .filter((q) => q.body?.model === m)
        .map((q) => q.headers.authorization);
    expect(new Set(auth('explainer'))).toEqual(new Set(['Bearer sk-explain-key']));
    expect(auth('vdisc-lora').every((a) => a === undefined)).toBe(true);

    // Only log_line is commented, on the line the explanation named, with its fix as a suggestion.
    expect(gh.comments).toHaveLength(1);
    const [comment] = gh.comments;
    expect(comment).toMatchObject({ path: 'src/parse.c', line: 14, side: 'RIGHT' });
    expect(comment!.start_line).toBeUndefined();
    expect(comment!.body).toContain('`log_line`');
    expect(comment!.body).toContain('\n```suggestion\n    snprintf(line, sizeof line, "%s", msg);\n```\n');
    // The explanation is model text: escaped, no mention, no HTML.
    expect(comment!.body).toContain('@\u200bmaintainer a long &lt;b&gt;msg&lt;/b&gt; overflows');
    expect(comment!.body).toContain('explained by `explainer`');

    // The gate trips on the new finding only.
    expect(first.exitCode).toBe(1);
    expect(first.commands.find((c) => c.startsWith('::error'))).toContain(
      '1 new finding at or above confidence 0.9',
    );
    expect(first.outputs).toMatchObject({
      findings: '2',
      'new-findings': '1',
      'high-confidence-findings': '1',
      'fixed-findings': '0',
    });

    // SARIF: both findings, with their baseline state and the base side's confidence.
    expect(validateSarif(first.sarif)).toBe(true);
    const byFunction = Object.fromEntries(results(first).map((x) => [x.properties.function, x]));
    expect(byFunction.parse_opts).toMatchObject({
      baselineState: 'unchanged',
      properties: { baseConfidence: expect.closeTo(0.95, 5) },
    });
    expect(byFunction.log_line).toMatchObject({
      baselineState: 'new',
      properties: { line: 14, explanationModel: 'explainer' },
    });
    // The explained line is the primary region; the function's span is the related location.
    expect(byFunction.log_line.locations[0].physicalLocation.region.startLine).toBe(14);
    expect(byFunction.log_line.relatedLocations[0].physicalLocation.region.startLine).toBe(11);

    // The review body lists the old one once, collapsed.
    expect(gh.reviews).toHaveLength(1);
    const body = gh.reviews[0]!.body;
    expect(body).toContain('### vulnreview: 1 new potential vulnerability');
    expect(body).toMatch(/<summary>1 finding was already there before this PR/);
    expect(body).toContain('`parse_opts`');
    expect(body).toMatch(/<!-- vulnreview:pre=[0-9a-f]{32} cat=vulnreview%2F -->/);

    // The base side was read at the merge base, not the base branch's tip, and asked about once.
    const baseReads = gh.requests.filter(
      (q) => decodeURIComponent(q.path).endsWith('/contents/src/parse.c') && q.query.get('ref') !== HEAD1,
    );
    expect(baseReads.map((q) => q.query.get('ref'))).toEqual([MERGE_BASE]);
    const classifierQuestions = model.chatRequests().filter((q) => q.body?.model === 'vdisc-lora');
    expect(classifierQuestions).toHaveLength(3); // two changed functions, one base version
    expect(first.summary).toContain(
      '| Compared with the base | 1 changed function had a base version (1 new), 1 compared; 1 extra model request, 0 from cache |',
    );
    expect(first.summary).toContain('| Against the base | 1 new, 1 already there, 0 fixed (margin 0.2) |');
    expect(first.summary).toContain('<summary><b>Already there before this PR</b>: 1 finding');
    expect(first.summary).toContain('| Explanations | 1 explained by `explainer` |');

    // A later push fixes parse_opts: it shows as fixed; log_line is already commented, nothing new is posted.
    push(gh, HEAD2, HEAD_2);
    const second = await go(gh, HEAD2);
    await gh.close();
    expect(gh.reviews).toHaveLength(1);
    expect(gh.comments).toHaveLength(1);
    expect(second.outputs).toMatchObject({ findings: '1', 'new-findings': '1', 'fixed-findings': '1' });
    expect(second.summary).toContain('### Fixed by this PR');
    expect(second.summary).toContain('| 0.95 | 0.10 | unnamed | `parse_opts` |');
    expect(results(second).map((x) => [x.properties.function, x.baselineState])).toEqual([
      ['log_line', 'new'],
    ]);
  });

  it('a PR that only touches the function with the old weakness passes the gate and posts no comment', async () => {
    const gh = await startGitHubServer({ mergeBase: MERGE_BASE });
    gh.contents.set(`${MERGE_BASE}:src/parse.c`, BASE);
    const onlyEdit = BASE.replace('    char buf[16];\n', '    char buf[16];\n    if (!src) return;\n');
    push(gh, HEAD1, onlyEdit);
    const r = await go(gh, HEAD1);
    expect(r.exitCode).toBeUndefined();
    expect(gh.comments).toHaveLength(0);
    expect(gh.reviews).toHaveLength(1); // listing the pre-existing finding, once
    expect(gh.reviews[0]!.body).toContain('### vulnreview: no new potential vulnerabilities');
    expect(r.outputs).toMatchObject({ findings: '1', 'new-findings': '0', 'high-confidence-findings': '0' });

    // A re-run lists nothing again; `report: all` comments on it and fails the check.
    await go(gh, HEAD1);
    expect(gh.reviews).toHaveLength(1);
    const all = await go(gh, HEAD1, { report: 'all' });
    await gh.close();
    expect(all.exitCode).toBe(1);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain('`parse_opts`');
  });

  it('when the base cannot be read, the findings stay new and the summary says why', async () => {
    // No merge base from the compare API: the base branch's tip is read, and that read is refused.
    const gh = await startGitHubServer({
      mergeBase: null,
      forbiddenContents: new Set([`${BASE_SHA}:src/parse.c`]),
    });
    gh.contents.set(`${BASE_SHA}:src/parse.c`, BASE);
    push(gh, HEAD1, HEAD_1);
    const r = await go(gh, HEAD1, { 'fail-on-confidence': '' });
    await gh.close();
    expect(
      r.commands.some((c) => c.startsWith('::warning::') && c.includes('could not find the merge base')),
    ).toBe(true);
    expect(
      results(r)
        .map((x) => x.baselineState)
        .sort(),
    ).toEqual(['new', 'new']);
    expect(gh.comments).toHaveLength(2);
    expect(r.summary).toContain('2 changed functions: base side not compared, unreadable base file');
    expect(r.summary).toContain('findings there count as new');
  });
});
