// The base side of a file rebuilt from its new side and the patch, for `scan --diff FILE --root DIR`,
// where there is no git history to read it from: each hunk's new-side lines are swapped back for its
// old-side lines (context and deleted). Every context line is checked against the file first, so a
// directory that does not hold the patch's new side is refused rather than rebuilt wrong.
import { decodeSource } from '../extract/decode.ts';
import type { FileChange } from '../types.ts';

/** The rebuilt base text, or why it cannot be rebuilt. */
export type Reversal = { text: string } | { cannot: string };

/** Lines of `text` without their `\n`; a final newline does not make an extra empty line. */
function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines: text === '' ? [] : lines, finalNewline };
}

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * The file before `change`, from its text after it. Needs the hunks' old sides (parseUnifiedDiff keeps
 * them); a change without hunks (binary, or a patch that was left out) cannot be reversed. A hunk whose
 * context lines do not match the file at its position means the file is not the patch's new side.
 */
export function reverseChange(newText: string, change: FileChange): Reversal {
  const where = change.oldPath ?? change.path;
  if (change.status === 'binary') return { cannot: `${where} is binary in the patch` };
  if (change.wholeFile) return { cannot: `the patch has no hunks for ${where} (binary or left out)` };
  const oldHunks = change.oldHunks ?? [];
  if (oldHunks.length !== change.hunks.length) {
    return { cannot: `the patch's hunks for ${where} carry no old side to rebuild it from` };
  }
  const { lines, finalNewline } = splitLines(newText);
  const crlf = lines.length > 0 && lines.filter((l) => l.endsWith('\r')).length * 2 > lines.length;
  const added = new Set(change.addedLines);
  const out: string[] = [];
  let next = 1; // the next new-side line not yet copied
  for (let i = 0; i < change.hunks.length; i++) {
    const hunk = change.hunks[i]!;
    // git writes the line *before* an empty new side as its start.
    const start = hunk.newLines === 0 ? hunk.newStart + 1 : hunk.newStart;
    const end = start + hunk.newLines; // exclusive
    if (start < next || end - 1 > lines.length) {
      return {
        cannot: `hunk ${i + 1} of ${change.path} (lines ${start}–${end - 1}) lies outside the file at --root (${lines.length} lines): it is not the patch's new side`,
      };
    }
    const context = oldHunks[i]!.filter((l) => !l.deleted).map((l) => l.text);
    let c = 0;
    for (let line = start; line < end; line++) {
      if (added.has(line)) continue;
      const expected = context[c++];
      if (expected === undefined || withoutCr(lines[line - 1]!) !== expected) {
        return {
          cannot: `${change.path}:${line} at --root does not match the patch's context line there: the directory does not hold the patch's new side`,
        };
      }
    }
    if (c !== context.length) {
      return { cannot: `hunk ${i + 1} of ${change.path} does not line up with the file at --root` };
    }
    out.push(...lines.slice(next - 1, start - 1));
    out.push(...oldHunks[i]!.map((l) => (crlf ? `${l.text}\r` : l.text)));
    next = end;
  }
  out.push(...lines.slice(next - 1));
  // The base's own final newline is not in the patch's hunks unless they reach the end; it does not matter
  // for the functions, so the new side's is kept.
  return { text: out.length === 0 ? '' : `${out.join('\n')}${finalNewline ? '\n' : ''}` };
}

/** A deleted file's base text: its one hunk's deleted lines, which git writes whole. */
function deletedText(change: FileChange): Reversal {
  const hunks = change.oldHunks ?? [];
  if (
    change.wholeFile ||
    change.status === 'binary' ||
    hunks.length !== 1 ||
    hunks[0]!.some((l) => !l.deleted)
  ) {
    return { cannot: `the patch does not carry the whole of deleted ${change.path}` };
  }
  return { text: hunks[0]!.length === 0 ? '' : `${hunks[0]!.map((l) => l.text).join('\n')}\n` };
}

const encoder = new TextEncoder();

/**
 * A base file reader for a patch and a directory of new-side files: bytes rebuilt by reversing the
 * patch (through every section, last first, when a patch series touches a file more than once);
 * undefined for files the patch adds; an error saying why when it cannot be rebuilt. A file the patch
 * does not touch is the same on both sides.
 */
export function reversedBaseReader(
  changes: readonly FileChange[],
  readNewFile: (path: string) => Promise<Uint8Array | undefined>,
): (path: string) => Promise<Uint8Array | undefined> {
  return async (basePath) => {
    // The sections that start from this base path, and those that continue from their new path.
    const first = changes.find((c) => c.status !== 'added' && (c.oldPath ?? c.path) === basePath);
    if (!first) {
      if (changes.some((c) => c.status === 'added' && c.path === basePath)) return undefined;
      return readNewFile(basePath);
    }
    if (first.status === 'deleted') {
      const rebuilt = deletedText(first);
      if ('cannot' in rebuilt) throw new Error(rebuilt.cannot);
      return encoder.encode(rebuilt.text);
    }
    const chain = changes.slice(changes.indexOf(first)).filter((c, i) => i === 0 || c.path === first.path);
    if (chain.some((c, i) => i > 0 && (c.status !== 'modified' || c.oldPath !== undefined))) {
      throw new Error(
        `the patch renames, deletes or re-adds ${first.path} more than once; it cannot be rebuilt`,
      );
    }
    const bytes = await readNewFile(first.path);
    if (bytes === undefined)
      throw new Error(`${first.path} is not under --root, so its base cannot be rebuilt`);
    // Decoded as extraction decodes it (latin1 when not UTF-8) and encoded back the same way, so no byte
    // of a legacy-encoded file changes on the way.
    const decoded = decodeSource(bytes);
    let text = decoded.text;
    for (const change of [...chain].reverse()) {
      if (change.status === 'renamed' && change.hunks.length === 0 && !change.wholeFile) continue;
      const rebuilt = reverseChange(text, change);
      if ('cannot' in rebuilt) throw new Error(rebuilt.cannot);
      text = rebuilt.text;
    }
    return decoded.lossy ? new Uint8Array(Buffer.from(text, 'latin1')) : encoder.encode(text);
  };
}
