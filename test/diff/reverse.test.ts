// Rebuilding the base side of a patch from its new side, checked against real `git diff` output: the
// rebuilt text must be the old file, byte for byte, and a directory that does not hold the new side must
// be refused with the reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/diff/parse.ts';
import { reverseChange, reversedBaseReader } from '../../src/diff/reverse.ts';

const dir = mkdtempSync(join(tmpdir(), 'vulnreview-reverse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `git diff --no-index` of two texts as a patch of `a/name` → `b/name`, with `context` lines of context. */
function gitDiff(before: string, after: string, context = 3, name = 'src/x.c'): string {
  writeFileSync(join(dir, 'old'), before);
  writeFileSync(join(dir, 'new'), after);
  const out = spawnSync('git', ['diff', '--no-index', '--no-color', `-U${context}`, 'old', 'new'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (out.status !== 1) throw new Error(`git diff failed: ${out.stderr}`);
  return out.stdout.replaceAll('a/old', `a/${name}`).replaceAll('b/new', `b/${name}`);
}

const BASE = `#include <string.h>

static int helper(int x)
{
    return x + 1;
}

void copy_name(char *dst, const char *src)
{
    char buf[16];
    strcpy(buf, src);
    strcpy(dst, buf);
}

int untouched(void)
{
    return 0;
}
`;

const HEAD = `#include <string.h>
#include <stdio.h>

void copy_name(char *dst, const char *src, size_t n)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%s", src);
    strncpy(dst, buf, n);
}

int untouched(void)
{
    return 0;
}

int added(int y)
{
    return y * 2;
}
`;

describe('reverseChange', () => {
  it.each([0, 1, 3, 10])(
    'rebuilds the old file exactly from the new one and a patch with %i lines of context',
    (context) => {
      const [change] = parseUnifiedDiff(gitDiff(BASE, HEAD, context));
      expect(reverseChange(HEAD, change!)).toEqual({ text: BASE });
    },
  );

  it('keeps CRLF line endings', () => {
    const crlf = (s: string) => s.replace(/\n/g, '\r\n');
    const [change] = parseUnifiedDiff(gitDiff(crlf(BASE), crlf(HEAD)));
    expect(reverseChange(crlf(HEAD), change!)).toEqual({ text: crlf(BASE) });
  });

  it('refuses a file that is not the patch’s new side, naming the line that does not match', () => {
    const [change] = parseUnifiedDiff(gitDiff(BASE, HEAD));
    const other = HEAD.replace('int untouched(void)', 'int changed_since(void)');
    const result = reverseChange(other, change!);
    expect(result).toEqual({ cannot: expect.stringMatching(/src\/x\.c:\d+ at --root does not match/) });
  });

  it('refuses a file shorter than the patch’s hunks', () => {
    const [change] = parseUnifiedDiff(gitDiff(BASE, HEAD));
    expect(reverseChange('int f(void);\n', change!)).toEqual({
      cannot: expect.stringContaining('outside the file'),
    });
  });

  it('cannot rebuild a change with no hunks (binary, or a patch that was left out)', () => {
    const [change] = parseUnifiedDiff(
      'diff --git a/x.c b/x.c\nindex 1..2 100644\nBinary files a/x.c and b/x.c differ\n',
    );
    expect(reverseChange(HEAD, change!)).toEqual({ cannot: expect.stringContaining('binary') });
  });
});

describe('reversedBaseReader', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

  it('reads renamed, deleted, added and untouched files as they were before the patch', async () => {
    const renamed = gitDiff(BASE, HEAD, 3, 'old/name.c')
      .replace(
        'diff --git a/old/name.c b/old/name.c',
        'diff --git a/old/name.c b/new/name.c\nsimilarity index 60%\nrename from old/name.c\nrename to new/name.c',
      )
      .replace('+++ b/old/name.c', '+++ b/new/name.c');
    const deleted = `diff --git a/gone.c b/gone.c\ndeleted file mode 100644\n--- a/gone.c\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-int gone(void)\n-{\n-}\n`;
    const added = `diff --git a/fresh.c b/fresh.c\nnew file mode 100644\n--- /dev/null\n+++ b/fresh.c\n@@ -0,0 +1 @@\n+int fresh(void) { return 1; }\n`;
    const changes = parseUnifiedDiff(renamed + deleted + added);
    const disk: Record<string, string> = {
      'new/name.c': HEAD,
      'fresh.c': 'int fresh(void) { return 1; }\n',
      'same.c': 'int same;\n',
    };
    const read = reversedBaseReader(changes, async (p) => (p in disk ? enc(disk[p]!) : undefined));
    expect(dec(await read('old/name.c'))).toBe(BASE);
    expect(dec(await read('gone.c'))).toBe('int gone(void)\n{\n}\n');
    expect(await read('fresh.c')).toBeUndefined();
    expect(dec(await read('same.c'))).toBe('int same;\n');
  });

  it('walks a patch series back through every section that touched the file', async () => {
    const middle = HEAD.replace('return y * 2;', 'return y * 3;');
    const last = middle.replace('return 0;', 'return -1;');
    const changes = parseUnifiedDiff(gitDiff(BASE, middle) + gitDiff(middle, last));
    const read = reversedBaseReader(changes, async () => enc(last));
    expect(dec(await read('src/x.c'))).toBe(BASE);
  });

  it('throws, saying why, when the base cannot be rebuilt', async () => {
    const changes = parseUnifiedDiff(gitDiff(BASE, HEAD));
    await expect(reversedBaseReader(changes, async () => undefined)('src/x.c')).rejects.toThrow(
      'not under --root',
    );
    await expect(
      reversedBaseReader(changes, async () => enc('nothing like it\n'))('src/x.c'),
    ).rejects.toThrow(/outside the file|does not match/);
  });

  it('keeps the bytes of a file that is not UTF-8', async () => {
    const latin1 = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
    const before = '/* caf\u00e9 */\nint f(void)\n{\n    return 1;\n}\n';
    const after = '/* caf\u00e9 */\nint f(void)\n{\n    return 2;\n}\n';
    writeFileSync(join(dir, 'old'), latin1(before));
    writeFileSync(join(dir, 'new'), latin1(after));
    const out = spawnSync('git', ['diff', '--no-index', '--no-color', 'old', 'new'], { cwd: dir });
    const patch = out.stdout.toString('latin1').replaceAll('a/old', 'a/l.c').replaceAll('b/new', 'b/l.c');
    const read = reversedBaseReader(parseUnifiedDiff(patch), async () => latin1(after));
    expect(Buffer.from((await read('l.c'))!).toString('latin1')).toBe(before);
  });
});
