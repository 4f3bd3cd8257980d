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
  const trimmed = line.trim();
  // Most lines have no run of whitespace and no tab inside: nothing to replace, nothing to allocate.
  return /\s\s|[^\S ]/.test(trimmed) ? trimmed.replace(/\s+/g, ' ') : trimmed;
}

/** Marks the gap between two hunks in the line sequence: no line has this id, so no match spans it. */
const HUNK_BREAK = -1;

/**
 * Answers "was this exact text already on the old side, and did it leave?" for every hunk of a diff.
 * Each distinct normalized line gets a small id; the old side is one sequence of ids with a break
 * between hunks, and each id knows where it occurs. A function is looked up from its rarest line, so
 * one question costs about the function's length, not the old side's: a change that re-indents
 * thousands of functions stays linear.
 */
export class OldText {
  private readonly ids = new Map<string, number>();
  /** The old side's non-blank lines as ids, hunk after hunk, HUNK_BREAK between hunks. */
  private readonly sequence: Int32Array;
  /** deletedBefore[i]: how many of sequence[0, i) were deleted lines. */
  private readonly deletedBefore: Int32Array;
  /** Where each id occurs: positions[firstAt[id] .. firstAt[id + 1]) are its positions in sequence. */
  private readonly firstAt: Int32Array;
  private readonly positions: Int32Array;

  constructor(hunks: Iterable<readonly OldLine[]>) {
    const sequence: number[] = [];
    const deleted: boolean[] = [];
    for (const hunk of hunks) {
      if (sequence.length > 0) {
        sequence.push(HUNK_BREAK);
        deleted.push(false);
      }
      for (const line of hunk) {
        const norm = normalizeLine(line.text);
        if (norm === '') continue;
        let id = this.ids.get(norm);
        if (id === undefined) {
          id = this.ids.size;
          this.ids.set(norm, id);
        }
        sequence.push(id);
        deleted.push(line.deleted);
      }
    }
    this.sequence = Int32Array.from(sequence);
    this.deletedBefore = new Int32Array(sequence.length + 1);
    for (let i = 0; i < sequence.length; i++)
      this.deletedBefore[i + 1] = this.deletedBefore[i]! + (deleted[i] ? 1 : 0);
    // Positions grouped by id (counting sort): two flat arrays instead of a list per distinct line.
    this.firstAt = new Int32Array(this.ids.size + 1);
    for (const id of this.sequence) if (id !== HUNK_BREAK) this.firstAt[id + 1]!++;
    for (let id = 0; id < this.ids.size; id++) this.firstAt[id + 1]! += this.firstAt[id]!;
    this.positions = new Int32Array(this.firstAt[this.ids.size]!);
    const next = this.firstAt.slice(0, this.ids.size);
    this.sequence.forEach((id, at) => {
      if (id !== HUNK_BREAK) this.positions[next[id]!++] = at;
    });
  }

  /**
   * True when the function source (whitespace-normalized) appears whole within one old-side hunk, and
   * that occurrence includes at least one deleted line.
   */
  contains(source: string): boolean {
    if (this.ids.size === 0) return false;
    const needle: number[] = [];
    for (const line of source.split('\n')) {
      const norm = normalizeLine(line);
      if (norm === '') continue;
      // A line the old side never had: the function cannot have stood there.
      const id = this.ids.get(norm);
      if (id === undefined) return false;
      needle.push(id);
    }
    if (needle.length === 0) return false;
    // Candidates come from the needle's rarest line: usually one or two places to check.
    let rarest = 0;
    for (let j = 1; j < needle.length; j++)
      if (this.occurrences(needle[j]!) < this.occurrences(needle[rarest]!)) rarest = j;
    const id = needle[rarest]!;
    const end = this.firstAt[id + 1]!;
    for (let k = this.firstAt[id]!; k < end; k++) {
      const from = this.positions[k]! - rarest;
      const to = from + needle.length;
      if (from < 0 || to > this.sequence.length) continue;
      if (this.deletedBefore[to]! === this.deletedBefore[from]!) continue;
      if (this.matchesAt(needle, from)) return true;
    }
    return false;
  }

  private occurrences(id: number): number {
    return this.firstAt[id + 1]! - this.firstAt[id]!;
  }

  private matchesAt(needle: readonly number[], from: number): boolean {
    for (let j = 0; j < needle.length; j++) if (this.sequence[from + j] !== needle[j]) return false;
    return true;
  }
}
