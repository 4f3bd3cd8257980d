// "Functions only moved by the change are not changed." A touched function counts as moved when its
// whole text, ignoring whitespace and blank lines, already stood on the old side of one hunk of the
// same diff (any file: moving a function between files is a move too). Git often lines a moved function
// up with an unrelated closing brace, so "all lines added" would miss most moves; comparing with the
// old side (context + deleted lines) does not. Re-indenting a function also counts as a move; changing,
// adding or removing any token does not.

function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/** One line per non-blank source line, trimmed, inner whitespace runs collapsed to one space. */
export function normalizeSource(lines: readonly string[]): string {
  let out = '';
  for (const line of lines) {
    const norm = normalizeLine(line);
    if (norm !== '') out += `\n${norm}`;
  }
  return `${out}\n`;
}

/** Answers "was this exact text already on the old side?" for every hunk of a diff. */
export class OldText {
  private readonly blob: string;
  private readonly lines = new Set<string>();

  constructor(hunks: Iterable<readonly string[]>) {
    const parts: string[] = [];
    for (const hunk of hunks) {
      parts.push(normalizeSource(hunk));
      for (const line of hunk) this.lines.add(normalizeLine(line));
    }
    // NUL separates hunks so a match cannot straddle two of them.
    this.blob = parts.join('\u0000');
  }

  /** True when the function source (whitespace-normalized) appears whole within one old-side hunk. */
  contains(source: string): boolean {
    if (this.lines.size === 0) return false;
    const lines = source.split('\n').map(normalizeLine);
    // Cheap filter first: every line must exist somewhere on the old side.
    if (!lines.every((line) => line === '' || this.lines.has(line))) return false;
    const needle = normalizeSource(lines);
    return needle.length > 1 && this.blob.includes(needle);
  }
}
