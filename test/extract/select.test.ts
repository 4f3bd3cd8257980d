import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/diff/parse.ts';
import { extractFunctions } from '../../src/extract/functions.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';
import { touches } from '../../src/extract/select.ts';
import type { FileChange, Lang } from '../../src/types.ts';

const change = (over: Partial<FileChange>): FileChange => ({
  path: 'x.c',
  status: 'modified',
  addedLines: [],
  deletionPoints: [],
  wholeFile: false,
  hunks: [],
  ...over,
});
const fn = { start: 10, end: 20 };

describe('touches', () => {
  it('selects a function with an added line anywhere in [start, end]', () => {
    expect(touches(fn, change({ addedLines: [10] }))).toBe(true);
    expect(touches(fn, change({ addedLines: [20] }))).toBe(true);
    expect(touches(fn, change({ addedLines: [1, 9, 21, 40] }))).toBe(false);
  });

  it('selects a deletion in (start, end]: before the closing brace yes, before the first line no', () => {
    expect(touches(fn, change({ deletionPoints: [20] }))).toBe(true);
    expect(touches(fn, change({ deletionPoints: [11] }))).toBe(true);
    expect(touches(fn, change({ deletionPoints: [10] }))).toBe(false);
    expect(touches(fn, change({ deletionPoints: [21] }))).toBe(false);
  });

  it('selects everything when the whole file changed', () => {
    expect(touches(fn, change({ wholeFile: true }))).toBe(true);
  });
});

// Small seeded PRNG (mulberry32) so every run draws the same edits.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PAD = '/* pad */';

/**
 * A fixture with a comment line after every line: inserting, deleting or rewriting one of those
 * comment lines never changes how the file parses, so the function spans of the original tell
 * exactly which function (if any) each edit lies inside.
 */
async function padded(name: string, lang: Lang) {
  const original = readFileSync(new URL(`../testdata/extract/${name}`, import.meta.url), 'utf8');
  const lines = original.replace(/\n$/, '').split('\n');
  const text = `${lines.flatMap((l) => [l, PAD]).join('\n')}\n`;
  const { functions } = await extractFunctions(text, lang, name);
  return { text, lines: text.replace(/\n$/, '').split('\n'), functions };
}

async function changedNames(diff: string, newText: string) {
  const result = await findChangedFunctions(parseUnifiedDiff(diff), async () =>
    new TextEncoder().encode(newText),
  );
  return result.functions.map((f) => f.name);
}

const header = (path: string) => `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;

describe.each([
  ['forms.c', 'c'],
  ['forms.cpp', 'cpp'],
] as const)('random edits to %s', (name, lang) => {
  it('an inserted line selects exactly the function it lands inside', async () => {
    const base = await padded(name, lang);
    const random = prng(1234);
    for (let round = 0; round < 60; round++) {
      // Insert after old line k (0 = at the top).
      const k = Math.floor(random() * (base.lines.length + 1));
      const next = [...base.lines.slice(0, k), '/* edit */', ...base.lines.slice(k)];
      const diff = `${header(name)}@@ -${k},0 +${k + 1},1 @@\n+/* edit */\n`;
      const expected = base.functions.filter((f) => f.start <= k && k < f.end).map((f) => f.name);
      expect(await changedNames(diff, `${next.join('\n')}\n`), `insert after line ${k}`).toEqual(expected);
    }
  });

  it('a deleted or rewritten line selects exactly the function it was inside', async () => {
    const base = await padded(name, lang);
    const random = prng(99);
    for (let round = 0; round < 60; round++) {
      // Old line k (1-based) is a pad line: every second line.
      const k = 2 * (1 + Math.floor(random() * (base.lines.length / 2)));
      const rewrite = random() < 0.5;
      const next = [
        ...base.lines.slice(0, k - 1),
        ...(rewrite ? ['/* edit */'] : []),
        ...base.lines.slice(k),
      ];
      const diff = rewrite
        ? `${header(name)}@@ -${k},1 +${k},1 @@\n-${PAD}\n+/* edit */\n`
        : `${header(name)}@@ -${k},1 +${k - 1},0 @@\n-${PAD}\n`;
      const expected = base.functions.filter((f) => f.start < k && k < f.end).map((f) => f.name);
      expect(
        await changedNames(diff, `${next.join('\n')}\n`),
        `${rewrite ? 'rewrite' : 'delete'} line ${k}`,
      ).toEqual(expected);
    }
  });
});
