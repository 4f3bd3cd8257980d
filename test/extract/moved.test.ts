// The moved-function check: its index answers exactly as the plain text search it replaced (kept
// below as the reference) on generated diffs full of repeats, blanks, re-indents and hunk edges, and
// on the cases that define a move.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/eval/prng.ts';
import { OldText } from '../../src/extract/moved.ts';
import type { OldLine } from '../../src/types.ts';

// The implementation before the index (vulnreview 0.1.0, src/extract/moved.ts), as the reference: it
// searched one string holding every hunk for each function, which is why its cost grew with the change.

function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** Answers "was this exact text already on the old side, and did it leave?" for every hunk of a diff. */
class ScanningOldText {
  /**
   * Every hunk's non-blank normalized lines, each preceded by `\n`, the hunk ended by `\n`; NUL
   * separates hunks so a match cannot straddle two of them.
   */
  private readonly blob: string;
  private readonly lines = new Set<string>();
  /** Blob offset of the `\n` before a line → that line's index among all hunks' non-blank lines. */
  private readonly lineAt = new Map<number, number>();
  /** deletedBefore[i]: how many of the non-blank lines before line i were deleted. */
  private readonly deletedBefore: number[] = [0];

  constructor(hunks: Iterable<readonly OldLine[]>) {
    let blob = '';
    let first = true;
    for (const hunk of hunks) {
      if (!first) blob += '\u0000';
      first = false;
      for (const { text, deleted } of hunk) {
        const norm = normalizeLine(text);
        if (norm === '') continue;
        this.lines.add(norm);
        this.lineAt.set(blob.length, this.deletedBefore.length - 1);
        this.deletedBefore.push(this.deletedBefore.at(-1)! + (deleted ? 1 : 0));
        blob += `\n${norm}`;
      }
      blob += '\n';
    }
    this.blob = blob;
  }

  /**
   * True when the function source (whitespace-normalized) appears whole within one old-side hunk, and
   * that occurrence includes at least one deleted line.
   */
  contains(source: string): boolean {
    if (this.lines.size === 0) return false;
    const lines = source
      .split('\n')
      .map(normalizeLine)
      .filter((line) => line !== '');
    // Cheap filter first: every line must exist somewhere on the old side.
    if (lines.length === 0 || !lines.every((line) => this.lines.has(line))) return false;
    const needle = `\n${lines.join('\n')}\n`;
    for (let at = this.blob.indexOf(needle); at >= 0; at = this.blob.indexOf(needle, at + 1)) {
      const from = this.lineAt.get(at);
      if (from === undefined) continue;
      if (this.deletedBefore[from + lines.length]! > this.deletedBefore[from]!) return true;
    }
    return false;
  }
}

const old = (text: string, deleted = true): OldLine => ({ text, deleted });

describe('OldText', () => {
  const hunks: OldLine[][] = [
    [old('int a(void)', false), old('{'), old('    return 1;'), old('}'), old('')],
    [old('int b(void)'), old('{'), old('  return 2;'), old('}', false)],
    [old('int c(void)', false), old('{', false), old('return 3;', false), old('}', false)],
  ];
  const text = new OldText(hunks);

  it('finds a function that left, whatever its indentation', () => {
    expect(text.contains('int a(void)\n{\n\treturn 1;\n}')).toBe(true);
    expect(text.contains('int b(void)\n{\n\n        return 2;\n}\n')).toBe(true);
  });

  it('does not count text that stayed put (no deleted line), a changed token, or a span across hunks', () => {
    expect(text.contains('int c(void)\n{\nreturn 3;\n}')).toBe(false);
    expect(text.contains('int a(void)\n{\n    return 2;\n}')).toBe(false);
    expect(text.contains('}\nint b(void)')).toBe(false);
    expect(text.contains('\n  \n')).toBe(false);
    expect(new OldText([]).contains('int a(void)')).toBe(false);
  });

  it('answers as the plain search did on thousands of generated cases', () => {
    const random = seededRandom(12);
    // A small vocabulary, so lines repeat a lot and candidates are many: the hard case for an index.
    const vocabulary = [
      '{',
      '}',
      'return 0;',
      'i++;',
      'x = y;',
      '',
      '  ',
      'if (p)',
      'free(p);',
      'int f(void)',
    ];
    const line = () => vocabulary[Math.floor(random() * vocabulary.length)]!;
    const indent = () => ['', ' ', '    ', '\t', '\t  '][Math.floor(random() * 5)]!;
    let agreed = 0;
    let moved = 0;
    for (let round = 0; round < 200; round++) {
      const hunks: OldLine[][] = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        Array.from({ length: Math.floor(random() * 12) }, () => ({
          text: indent() + line(),
          deleted: random() < 0.5,
        })),
      );
      const index = new OldText(hunks);
      const reference = new ScanningOldText(hunks);
      for (let q = 0; q < 30; q++) {
        let source: string;
        const hunk = hunks[Math.floor(random() * hunks.length)]!;
        if (random() < 0.7 && hunk.length > 0) {
          // A slice of an old hunk, re-indented, sometimes with a blank line or a changed line.
          const from = Math.floor(random() * hunk.length);
          const to = from + 1 + Math.floor(random() * (hunk.length - from));
          const lines = hunk.slice(from, to).map((l) => indent() + l.text.trim());
          if (random() < 0.2) lines.splice(Math.floor(random() * lines.length), 0, '');
          if (random() < 0.2) lines[Math.floor(random() * lines.length)] = line();
          source = lines.join('\n');
        } else {
          source = Array.from({ length: 1 + Math.floor(random() * 4) }, line).join('\n');
        }
        const expected = reference.contains(source);
        if (index.contains(source) !== expected)
          expect.fail(`answers differ (plain search: ${expected}) for ${JSON.stringify({ hunks, source })}`);
        agreed++;
        if (expected) moved++;
      }
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(agreed).toBe(6000);
    expect(moved).toBeGreaterThan(1000);
    expect(agreed - moved).toBeGreaterThan(1000);
  });
});
