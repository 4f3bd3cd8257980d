import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DiffParseError, parseFilePatch, parseUnifiedDiff, wholeFileChange } from '../../src/diff/parse.ts';
import type { FileChange } from '../../src/types.ts';

const data = (name: string) => readFileSync(new URL(`../testdata/diff/${name}`, import.meta.url), 'utf8');
const withoutOldText = (changes: FileChange[]) => changes.map(({ oldHunks: _, ...rest }) => rest);
const byPath = (changes: FileChange[], path: string) => {
  const change = changes.find((c) => c.path === path);
  if (!change) throw new Error(`no change for ${path}`);
  return change;
};

describe('parseUnifiedDiff on the fixtures', () => {
  for (const name of ['project', 'crlf', 'binary-plain', 'plain-u', 'format-patch']) {
    it(`${name}.diff gives ${name}.expected.json`, () => {
      const expected = JSON.parse(data(`${name}.expected.json`));
      expect(withoutOldText(parseUnifiedDiff(data(`${name}.diff`)))).toEqual(expected);
    });
  }
});

describe('parseUnifiedDiff forms', () => {
  const project = parseUnifiedDiff(data('project.diff'));

  it('reads several hunks of one file, with added lines and deletion points on the new side', () => {
    const bytebuf = byPath(project, 'src/bytebuf.c');
    expect(bytebuf.hunks).toHaveLength(4);
    // The removed bounds check in bb_reserve: two deleted lines, the next new-side line is 33.
    expect(bytebuf.deletionPoints).toContain(33);
    expect(bytebuf.addedLines.slice(0, 2)).toEqual([72, 73]);
  });

  it('does not count "\\ No newline at end of file" as a line', () => {
    const noeol = byPath(project, 'src/noeol.c');
    expect(noeol.addedLines).toEqual([8]);
    expect(noeol.hunks).toEqual([{ newStart: 5, newLines: 5 }]);
    expect(noeol.oldHunks?.map((hunk) => hunk.map((line) => line.text))).toEqual([
      ['', 'int noeol_b(void)', '{', '\treturn 2;', '}'],
    ]);
  });

  it('marks which old-side lines were deleted and which are context', () => {
    const noeol = byPath(project, 'src/noeol.c');
    expect(noeol.oldHunks?.[0]?.map((line) => line.deleted)).toEqual([false, false, false, true, false]);
  });

  it('tells renames with and without edits, mode-only changes, deletions, additions and binaries apart', () => {
    expect(byPath(project, 'src/moved_same.c')).toMatchObject({
      status: 'renamed',
      oldPath: 'src/same.c',
      hunks: [],
    });
    expect(byPath(project, 'src/new_name.c')).toMatchObject({
      status: 'renamed',
      oldPath: 'src/old_name.c',
      deletionPoints: [4],
    });
    expect(byPath(project, 'src/tool.c').status).toBe('mode-only');
    expect(byPath(project, 'src/legacy.c').status).toBe('deleted');
    expect(byPath(project, 'src/ring.h')).toMatchObject({ status: 'added', addedLines: expect.any(Array) });
    expect(byPath(project, 'src/ring.h').addedLines).toHaveLength(25);
    expect(byPath(project, 'src/blob.c').status).toBe('binary');
    expect(byPath(project, 'assets/logo.png').status).toBe('binary');
  });

  it('keeps the content of CRLF files and reads CRLF diffs like LF ones', () => {
    const crlf = data('crlf.diff');
    expect(crlf).toContain('\r\n');
    expect(parseUnifiedDiff(crlf)).toEqual(parseUnifiedDiff(crlf.replaceAll('\r\n', '\n')));
  });

  it('returns nothing for an empty or blank diff', () => {
    expect(parseUnifiedDiff(data('empty.diff'))).toEqual([]);
    expect(parseUnifiedDiff('\n\n  \n')).toEqual([]);
  });

  it('unquotes C-quoted paths and skips a mail preamble and trailer', () => {
    const [change] = parseUnifiedDiff(data('format-patch.diff'));
    expect(change?.path).toBe('src dir/café.c');
  });

  it('keeps a real top-level folder named like a prefix when the diff has no prefixes', () => {
    const text = 'diff --git a/x.c a/x.c\n--- a/x.c\n+++ a/x.c\n@@ -1 +1 @@\n-int x;\n+long x;\n';
    expect(parseUnifiedDiff(text)[0]?.path).toBe('a/x.c');
  });

  it('records the end of file as the deletion point of trailing deleted lines', () => {
    const util = byPath(project, 'src/util.c');
    expect(util.deletionPoints).toEqual([5, 20]);
  });
});

describe('malformed diffs', () => {
  const expected = JSON.parse(data('malformed.expected.json')) as Record<
    string,
    { file?: string; line: number; message: string }
  >;
  for (const [name, want] of Object.entries(expected)) {
    it(`${name} fails at line ${want.line}${want.file ? ` of ${want.file}` : ''}`, () => {
      let error: unknown;
      try {
        parseUnifiedDiff(data(name));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DiffParseError);
      const e = error as DiffParseError;
      expect(e.line).toBe(want.line);
      expect(e.file).toBe(want.file);
      expect(e.message).toContain(want.message);
      expect(e.message).toContain(`line ${want.line}`);
    });
  }

  it('rejects text that has no file header at all instead of reading it as no change', () => {
    const cFile = 'int main(void)\n{\n  return 0;\n}\n';
    expect(() => parseUnifiedDiff(cFile)).toThrow(/diff line 1: .*not a unified diff/);
    const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 131 + 7) % 256)).toString('utf8');
    expect(() => parseUnifiedDiff(bytes)).toThrow(DiffParseError);
  });

  it('rejects an empty hunk and overlapping hunks', () => {
    expect(() => parseUnifiedDiff('--- a/q.c\n+++ b/q.c\n@@ -1,0 +1,0 @@\n')).toThrow(/empty hunk/);
    const overlap = '--- a/q.c\n+++ b/q.c\n@@ -5,1 +5,1 @@\n-a\n+b\n@@ -2,1 +2,1 @@\n-c\n+d\n';
    expect(() => parseUnifiedDiff(overlap)).toThrow(DiffParseError);
  });

  it('rejects a hunk line that one side has no room for', () => {
    const text = '--- a/q.c\n+++ b/q.c\n@@ -1,1 +1,2 @@\n-a\n-b\n+c\n';
    expect(() => parseUnifiedDiff(text)).toThrow(/q\.c: diff line 5: .*does not fit/);
  });
});

describe('parseFilePatch (GitHub API patches) and wholeFileChange', () => {
  it('reads a hunks-only patch like the same file in a full diff', () => {
    const fromFull = byPath(parseUnifiedDiff(data('crlf.diff')), 'src/bytebuf.c');
    const fromPatch = parseFilePatch('src/bytebuf.c', data('github-patch.diff'));
    expect(fromPatch).toEqual(fromFull);
  });

  it('applies the given status and old path', () => {
    const change = parseFilePatch('b.c', '@@ -1 +1 @@\n-x\n+y\n', { status: 'renamed', oldPath: 'a.c' });
    expect(change).toMatchObject({ path: 'b.c', oldPath: 'a.c', status: 'renamed', addedLines: [1] });
  });

  it('counts error lines from the first line of the patch', () => {
    expect(() => parseFilePatch('p.c', '@@ -1,2 +1,2 @@\n-x\n+y\n?? junk\n')).toThrow(
      expect.objectContaining({ file: 'p.c', line: 4 }),
    );
  });

  it('marks a file whose patch was left out as wholly changed', () => {
    expect(wholeFileChange('big.c')).toEqual({
      path: 'big.c',
      status: 'modified',
      addedLines: [],
      deletionPoints: [],
      wholeFile: true,
      hunks: [],
    });
  });
});
