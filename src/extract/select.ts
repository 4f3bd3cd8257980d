// The rule that decides whether the change touched a function. Pure: lines in, yes/no out.
import type { FileChange } from '../types.ts';

interface Span {
  /** 1-based first line. */
  start: number;
  /** 1-based last line (the closing brace). */
  end: number;
}

/** Index of the first element of an ascending array that is >= value (array length when none). */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of the ascending `lines` fall in [from, to]. */
export function countInRange(lines: readonly number[], from: number, to: number): number {
  return lowerBound(lines, to + 1) - lowerBound(lines, from);
}

/**
 * True when the change touched the span: a whole-file change; an added line in [start, end]; or a
 * deletion point in (start, end]. A deletion point is the new-side line after the removed lines, so
 * lines removed right before the closing brace (point = end) count, while lines removed right before
 * the function's first line (point = start) belong to whatever preceded it.
 */
export function touches(span: Span, change: FileChange): boolean {
  if (change.wholeFile) return true;
  if (countInRange(change.addedLines, span.start, span.end) > 0) return true;
  return countInRange(change.deletionPoints, span.start + 1, span.end) > 0;
}

/**
 * Where the change first touched the span: its first added line in [start, end], else its first
 * deletion point in (start, end]; undefined for a whole-file change (no patch to tell) or an untouched span.
 */
export function firstChangedLine(span: Span, change: FileChange): number | undefined {
  if (change.wholeFile) return undefined;
  const added = change.addedLines[lowerBound(change.addedLines, span.start)];
  if (added !== undefined && added <= span.end) return added;
  const deleted = change.deletionPoints[lowerBound(change.deletionPoints, span.start + 1)];
  return deleted !== undefined && deleted <= span.end ? deleted : undefined;
}
