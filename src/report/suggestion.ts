// A GitHub suggestion from an explanation's minimal fix. GitHub applies a ```suggestion block by replacing
// the lines the comment spans (start_line..line), so the comment must span exactly the fix's lines, all
// in one hunk. Only lines this change added are ever replaced: a fix that rewrites code the change did
// not touch is left out (the explanation still stands).
import type { FileChange, Finding } from '../types.ts';

/** Lines one suggestion may replace at most: a minimal fix, not a rewrite. */
export const MAX_SUGGESTION_LINES = 10;

export interface SuggestionPlacement {
  /** RIGHT-side line the comment ends on (the fix's last line). */
  line: number;
  /** The fix's first line, when it spans more than one. */
  startLine?: number;
  /** The Markdown block to append to the comment. */
  block: string;
}

/**
 * Where to comment so that the explanation's fix applies as a suggestion, and its block; undefined when
 * there is no fix, or it replaces a line outside the function, outside one hunk, or not added by the change.
 */
export function suggestionFor(f: Finding, change: FileChange | undefined): SuggestionPlacement | undefined {
  const fix = f.explanation?.suggestion;
  if (!fix || !change || change.status === 'deleted') return undefined;
  const { startLine, endLine } = fix;
  if (!Number.isInteger(startLine) || !Number.isInteger(endLine) || startLine > endLine) return undefined;
  if (startLine < f.fn.start || endLine > f.fn.end || endLine - startLine + 1 > MAX_SUGGESTION_LINES)
    return undefined;
  const hunk = change.hunks.find((h) => startLine >= h.newStart && endLine < h.newStart + h.newLines);
  if (!hunk) return undefined;
  const added = new Set(change.addedLines);
  for (let line = startLine; line <= endLine; line++) if (!added.has(line)) return undefined;
  const code = fix.code.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  // A fence longer than any backtick run in the model's code, so nothing in it can close the block.
  const longest = Math.max(0, ...Array.from(code.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return {
    line: endLine,
    ...(startLine < endLine ? { startLine } : {}),
    block: `${fence}suggestion\n${code}\n${fence}`,
  };
}
