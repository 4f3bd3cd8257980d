// Unified diff → FileChange[]: the new-side lines each file gained and where it lost lines.
// scan.ts splits and validates; parse-diff reads each file's hunks; this file turns both into FileChange.
import parseDiff from 'parse-diff';
import type { FileChange, FileStatus, HunkRange, OldLine } from '../types.ts';
import { DiffParseError, diffLines, type Section, scanDiff, sectionPaths } from './scan.ts';

export { DiffParseError } from './scan.ts';

/**
 * Parses a unified diff (git or plain `diff -u`; LF or CRLF). Empty input gives `[]`.
 * Throws DiffParseError, naming the file and the 1-based diff line, for malformed input.
 */
export function parseUnifiedDiff(text: string): FileChange[] {
  const sections = scanDiff(text);
  // A C file, a log or random bytes given where a patch was expected must not read as "nothing changed".
  if (sections.length === 0 && text.trim() !== '') {
    throw new DiffParseError(
      'no file header (`diff --git`, or `---` and `+++`) anywhere: this is not a unified diff',
      1,
    );
  }
  return sections.map(toFileChange);
}

/**
 * One file's patch as the GitHub API gives it (hunks only, no `---`/`+++` headers).
 * Diff line numbers in errors count from the patch's first line.
 */
export function parseFilePatch(
  path: string,
  patch: string,
  options: { status?: FileStatus; oldPath?: string } = {},
): FileChange {
  const lines = diffLines(patch);
  const header = [`--- a/${options.oldPath ?? path}`, `+++ b/${path}`];
  let sections: Section[];
  try {
    sections = scanDiff([...header, ...lines].join('\n'));
  } catch (error) {
    if (error instanceof DiffParseError) {
      throw new DiffParseError(error.message.replace(/^.*?diff line \d+: /, ''), error.line - 2, path);
    }
    throw error;
  }
  const change = sections[0] ? toFileChange(sections[0]) : wholeFileChange(path, options.status);
  change.path = path;
  if (options.status) change.status = options.status;
  if (options.oldPath !== undefined && options.oldPath !== path) change.oldPath = options.oldPath;
  return change;
}

/** A file whose patch is missing (GitHub leaves out very large ones): every line of it counts as changed. */
export function wholeFileChange(path: string, status: FileStatus = 'modified'): FileChange {
  return { path, status, addedLines: [], deletionPoints: [], wholeFile: true, hunks: [] };
}

function statusOf(section: Section, oldPath: string | undefined, newPath: string | undefined): FileStatus {
  const headersSeen = section.oldHeader !== null || section.newHeader !== null;
  // `diff -N` names both sides but gives an absent file a single empty hunk side.
  const only = section.hunks.length === 1 && !section.git ? section.hunks[0] : undefined;
  const emptyOld = only !== undefined && only.oldStart === 0 && only.oldLines === 0;
  const emptyNew = only !== undefined && only.newStart === 0 && only.newLines === 0;
  if (section.deletedFile || emptyNew || (headersSeen && section.newHeader === undefined)) return 'deleted';
  if (section.binary) return 'binary';
  if (section.renameFrom !== undefined || section.renameTo !== undefined) return 'renamed';
  // A copy is a new file whose content came from elsewhere: its added lines are its edits.
  if (
    section.newFile ||
    emptyOld ||
    section.copyTo !== undefined ||
    (headersSeen && section.oldHeader === undefined)
  ) {
    return 'added';
  }
  if (section.hunks.length === 0 && section.modeChange) return 'mode-only';
  if (oldPath !== undefined && newPath !== undefined && oldPath !== newPath) return 'renamed';
  return 'modified';
}

function toFileChange(section: Section): FileChange {
  const { oldPath, newPath } = sectionPaths(section);
  const path = newPath ?? oldPath;
  if (path === undefined) {
    throw new DiffParseError('cannot tell which file this section is about', section.firstLine);
  }
  const status = statusOf(section, oldPath, newPath);
  const change: FileChange = {
    path: status === 'deleted' ? (oldPath ?? path) : path,
    status,
    addedLines: [],
    deletionPoints: [],
    wholeFile: false,
    hunks: [],
  };
  if (status !== 'deleted' && oldPath !== undefined && oldPath !== path && status !== 'added') {
    change.oldPath = oldPath;
  }
  if (section.hunks.length === 0) return change;

  const files = parseDiff(section.lines.join('\n'));
  const chunks = files.flatMap((f) => f.chunks);
  if (chunks.length !== section.hunks.length) {
    throw new DiffParseError(
      `found ${section.hunks.length} hunks but parse-diff read ${chunks.length}`,
      section.firstLine,
      path,
    );
  }
  const oldHunks: OldLine[][] = [];
  const hunks: HunkRange[] = [];
  for (const chunk of chunks) {
    hunks.push({ newStart: chunk.newStart, newLines: chunk.newLines });
    // The next new-side line; git writes the line *before* the hunk as newStart of an empty new side.
    let next = chunk.newLines === 0 ? chunk.newStart + 1 : chunk.newStart;
    let inDeletion = false;
    const oldSide: OldLine[] = [];
    oldHunks.push(oldSide);
    for (const c of chunk.changes) {
      // parse-diff repeats the previous change for a "\ No newline at end of file" marker.
      if (c.content.startsWith('\\')) continue;
      if (c.type === 'del') {
        if (!inDeletion) change.deletionPoints.push(next);
        inDeletion = true;
        oldSide.push({ text: c.content.slice(1), deleted: true });
        continue;
      }
      inDeletion = false;
      if (c.type === 'normal') oldSide.push({ text: c.content.slice(1), deleted: false });
      if (c.type === 'add') change.addedLines.push(next);
      next++;
    }
  }
  change.hunks = hunks;
  change.oldHunks = oldHunks;
  return change;
}
