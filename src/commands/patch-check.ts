// Does a directory hold the new side of a patch? `scan --diff P --root D` and `functions` read the files
// of D at the line numbers P gives; when D holds some other version (the old side, another branch, a
// stale checkout) those numbers point at unrelated code, and the analysis would report on the wrong
// functions — or on none, and say "No findings". So each file is checked against the patch as it is
// read: every line the patch adds must be there, with the same text, and no hunk may reach past the end
// of the file. A file that fails the check is read as missing, with the reason, so it is counted as not
// analysed by both commands alike.
import parseDiff from 'parse-diff';
import { scanDiff, sectionPaths } from '../diff/scan.ts';
import type { FileReader } from '../git/worktree.ts';

/** What the patch says a file's new side holds. */
export interface NewSide {
  /** Added lines: 1-based new-side line number and text. */
  added: Array<{ line: number; text: string }>;
  /** The last new-side line any hunk covers. */
  lastLine: number;
}

/**
 * The new side of each file the patch changes, by path. A file with more than one section (a patch
 * series) is left out: its later sections describe intermediate versions, not the final file.
 */
export function newSidesOf(diffText: string): Map<string, NewSide> {
  const sides = new Map<string, NewSide>();
  const repeated = new Set<string>();
  for (const section of scanDiff(diffText)) {
    const path = sectionPaths(section).newPath;
    if (path === undefined || section.deletedFile || section.binary || section.hunks.length === 0) continue;
    if (sides.has(path)) repeated.add(path);
    const side: NewSide = { added: [], lastLine: 0 };
    for (const chunk of parseDiff(section.lines.join('\n')).flatMap((f) => f.chunks)) {
      if (chunk.newLines > 0) side.lastLine = Math.max(side.lastLine, chunk.newStart + chunk.newLines - 1);
      let next = chunk.newStart;
      for (const c of chunk.changes) {
        if (c.content.startsWith('\\') || c.type === 'del') continue; // "\ No newline at end of file"
        if (c.type === 'add') side.added.push({ line: next, text: c.content.slice(1) });
        next++;
      }
    }
    sides.set(path, side);
  }
  for (const path of repeated) sides.delete(path);
  return sides;
}

function quote(text: string): string {
  const shown = text.trim();
  return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 59)}…` : shown);
}

/**
 * Why `bytes` is not the new side the patch describes, or undefined when it is. The file is decoded as
 * the patch was read (UTF-8, invalid bytes as U+FFFD), so a Latin-1 line compares equal to its patch line.
 */
export function mismatchOf(side: NewSide, bytes: Uint8Array): string | undefined {
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (side.lastLine > lines.length) {
    return `the patch changes it up to line ${side.lastLine}, but the file has ${lines.length} ${lines.length === 1 ? 'line' : 'lines'}`;
  }
  for (const { line, text } of side.added) {
    const actual = (lines[line - 1] ?? '').replace(/\r$/, '');
    if (actual !== text.replace(/\r$/, ''))
      return `line ${line} should read ${quote(text)}, as the patch added it, but reads ${quote(actual)}`;
  }
  return undefined;
}

/**
 * `read`, checked against the patch: a file that is not the patch's new side throws, naming the first
 * difference, so the extractor lists it as not analysed with that reason.
 */
export function patchCheckedReader(
  read: FileReader,
  sides: ReadonlyMap<string, NewSide>,
  root: string,
): FileReader {
  return async (path) => {
    const bytes = await read(path);
    const side = sides.get(path);
    if (bytes === undefined || side === undefined) return bytes;
    const why = mismatchOf(side, bytes);
    if (why) throw new Error(`${path} under ${root} is not the patch's new side: ${why}`);
    return bytes;
  };
}
