// "Functions only moved by the change are not changed." A touched function counts as moved when its
// whole text, ignoring whitespace and blank lines, already stood on the old side of one hunk of the
// same diff (any file: moving a function between files is a move too), and at least one of the matched
// old-side lines was deleted: text that stayed put as context is a copy that is still there (two
// `#ifdef` branches of one function), not where this one came from. Git often lines a moved function up
// with an unrelated closing brace, so "all lines deleted" would miss most moves; comparing with the old
// side (context + deleted lines) does not. Re-indenting a function also counts as a move; changing,
// adding or removing any token does not.
import type { OldLine } from '../types.ts';

function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** Answers "was this exact text already on the old side, and did it leave?" for every hunk of a diff. */
export class OldText {
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
