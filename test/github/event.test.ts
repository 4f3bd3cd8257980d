import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPullRequestEvent } from '../../src/github/event.ts';

const fixture = new URL('../testdata/github/pull_request-fork.json', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'vulnreview-event-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('readPullRequestEvent', () => {
  it('reads the pull request, its base and head SHAs, and its changed-file count', () => {
    expect(readPullRequestEvent(fixture, undefined)).toEqual({
      owner: 'octo',
      repo: 'widgets',
      number: 42,
      baseSha: 'e5bd3914e2e596debea16f433f57875b5b90bcd6',
      headSha: '6dcb09b5b57875f334f61aebed695e2e4193db5e',
      changedFiles: 3,
    });
  });

  it('names the payload file when it has no pull request or cannot be read', () => {
    const push = join(tmp, 'push.json');
    writeFileSync(
      push,
      JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'octo/widgets' } }),
    );
    expect(() => readPullRequestEvent(push, 'octo/widgets')).toThrow(
      `the event payload at ${push} has no pull request`,
    );
    expect(() => readPullRequestEvent(join(tmp, 'missing.json'), undefined)).toThrow(
      'cannot read the event payload',
    );
  });
});
