// Splits a unified diff into per-file sections and checks every hunk against its header.
// parse-diff (used afterwards on each section) is lenient: a hunk whose header promises more lines than
// follow silently swallows the next file's header. This pass is strict so that malformed input fails
// with the file and the line instead of producing wrong line numbers.
import { gitHeaderPaths, headerPath, stripPrefixes } from './paths.ts';

/** A diff could not be understood. `line` is 1-based in the diff text; `file` is the file it was in. */
export class DiffParseError extends Error {
  readonly file?: string;
  readonly line: number;

  constructor(message: string, line: number, file?: string) {
    super(`${file ? `${file}: ` : ''}diff line ${line}: ${message}`);
    this.name = 'DiffParseError';
    this.line = line;
    if (file !== undefined) this.file = file;
  }
}

export interface HunkHeader {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

/** One file's part of the diff, with what its headers said. */
export interface Section {
  /** 1-based diff line where the section starts. */
  firstLine: number;
  /** The section's lines, line endings removed. */
  lines: string[];
  git: boolean;
  gitPaths?: [string, string];
  /** Paths from `---`/`+++`: `null` when absent, `undefined` for /dev/null. */
  oldHeader: string | undefined | null;
  newHeader: string | undefined | null;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  newFile: boolean;
  deletedFile: boolean;
  modeChange: boolean;
  binary: boolean;
  hunks: HunkHeader[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Splits text into lines, dropping `\r` of CRLF endings and the empty string after a final newline. */
export function diffLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
  }
  return lines;
}

/** The path a section is about, as well as it is known so far (for error messages). */
export function sectionPaths(section: Section): { oldPath?: string; newPath?: string } {
  let oldPath: string | undefined;
  let newPath: string | undefined;
  const headersSeen = section.oldHeader !== null || section.newHeader !== null;
  if (headersSeen) {
    [oldPath, newPath] = stripPrefixes(section.oldHeader ?? undefined, section.newHeader ?? undefined);
    if (!section.git && oldPath === section.oldHeader && newPath === section.newHeader) {
      [oldPath, newPath] = stripTreeNames(oldPath, newPath);
    }
  } else if (section.gitPaths) {
    [oldPath, newPath] = stripPrefixes(section.gitPaths[0], section.gitPaths[1]);
  }
  if (section.renameFrom !== undefined) oldPath = section.renameFrom;
  if (section.renameTo !== undefined) newPath = section.renameTo;
  if (section.copyFrom !== undefined) oldPath = section.copyFrom;
  if (section.copyTo !== undefined) newPath = section.copyTo;
  const result: { oldPath?: string; newPath?: string } = {};
  if (oldPath !== undefined) result.oldPath = oldPath;
  if (newPath !== undefined) result.newPath = newPath;
  return result;
}

/**
 * `diff -ruN old new` names files `old/lib/x.c` and `new/lib/x.c`: when only the first folder differs,
 * it is the name of the two trees, not part of the path (what `patch -p1` assumes).
 */
function stripTreeNames(
  oldPath: string | undefined,
  newPath: string | undefined,
): [string | undefined, string | undefined] {
  if (oldPath === undefined || newPath === undefined) return [oldPath, newPath];
  const oldSlash = oldPath.indexOf('/');
  const newSlash = newPath.indexOf('/');
  if (oldSlash <= 0 || newSlash <= 0) return [oldPath, newPath];
  const oldRest = oldPath.slice(oldSlash + 1);
  const newRest = newPath.slice(newSlash + 1);
  if (oldRest !== newRest || oldPath.slice(0, oldSlash) === newPath.slice(0, newSlash))
    return [oldPath, newPath];
  return [oldRest, newRest];
}

function describe(section: Section | undefined): string | undefined {
  if (!section) return undefined;
  const { oldPath, newPath } = sectionPaths(section);
  return newPath ?? oldPath;
}

function newSection(firstLine: number, git: boolean): Section {
  return {
    firstLine,
    lines: [],
    git,
    oldHeader: null,
    newHeader: null,
    newFile: false,
    deletedFile: false,
    modeChange: false,
    binary: false,
    hunks: [],
  };
}

const EXTENDED_HEADERS: [RegExp, (section: Section, value: string) => void][] = [
  [/^new file mode \d+$/, (s) => (s.newFile = true)],
  [/^deleted file mode \d+$/, (s) => (s.deletedFile = true)],
  [/^(old|new) mode \d+$/, (s) => (s.modeChange = true)],
  [/^rename from (.+)$/, (s, v) => (s.renameFrom = headerPath(v))],
  [/^rename to (.+)$/, (s, v) => (s.renameTo = headerPath(v))],
  [/^copy from (.+)$/, (s, v) => (s.copyFrom = headerPath(v))],
  [/^copy to (.+)$/, (s, v) => (s.copyTo = headerPath(v))],
  [/^Binary files .* differ$/, (s) => (s.binary = true)],
  [/^GIT binary patch$/, (s) => (s.binary = true)],
];

function shorten(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

/** Splits and validates; throws DiffParseError on malformed input. */
export function scanDiff(text: string): Section[] {
  const lines = diffLines(text);
  const sections: Section[] = [];
  let section: Section | undefined;
  // Lines still owed by the current hunk, per side; undefined when not inside a hunk.
  let owed: { old: number; new: number; header: string; line: number } | undefined;

  const fail = (message: string, index: number): never => {
    throw new DiffParseError(message, index + 1, describe(section));
  };
  const start = (index: number, git: boolean): Section => {
    section = newSection(index + 1, git);
    sections.push(section);
    return section;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (owed && section) {
      const kind = line[0];
      if (line === '' || kind === ' ') {
        owed.old--;
        owed.new--;
      } else if (kind === '-') {
        owed.old--;
      } else if (kind === '+') {
        owed.new--;
      } else if (kind !== '\\') {
        fail(
          `hunk ${owed.header} (line ${owed.line}) is cut short: ${owed.old} old and ${owed.new} new lines ` +
            `still expected, found ${shorten(line)}`,
          i,
        );
      }
      if (owed.old < 0 || owed.new < 0) {
        fail(
          `line ${shorten(line)} does not fit hunk ${owed.header} (line ${owed.line}): its counts are wrong`,
          i,
        );
      }
      section.lines.push(line);
      if (owed.old === 0 && owed.new === 0) owed = undefined;
      continue;
    }

    if (/^diff\s/.test(line)) {
      const git = line.startsWith('diff --git ');
      const s = start(i, git);
      if (git) {
        const paths = gitHeaderPaths(line.slice('diff --git '.length));
        if (paths) s.gitPaths = paths;
      }
      s.lines.push(line);
      continue;
    }
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      let s = section;
      if (!s || s.oldHeader !== null || s.hunks.length > 0 || s.binary) s = start(i, false);
      s.oldHeader = headerPath(line.slice(4));
      s.newHeader = headerPath(lines[i + 1]!.slice(4));
      s.lines.push(line, lines[i + 1]!);
      i++;
      continue;
    }
    if (line.startsWith('@@')) {
      if (!section) fail('hunk header before any file header (---/+++ or diff --git)', i);
      const s = section!;
      const match = HUNK_HEADER.exec(line);
      if (!match) fail(`malformed hunk header ${shorten(line)}`, i);
      if (s.binary) fail('text hunk inside a binary patch', i);
      const [, oldStart, oldLines, newStart, newLines] = match!;
      const hunk: HunkHeader = {
        oldStart: Number(oldStart),
        oldLines: oldLines === undefined ? 1 : Number(oldLines),
        newStart: Number(newStart),
        newLines: newLines === undefined ? 1 : Number(newLines),
      };
      if (hunk.oldLines === 0 && hunk.newLines === 0) fail(`empty hunk ${shorten(line)}`, i);
      const previous = s.hunks[s.hunks.length - 1];
      if (previous && hunk.newStart < previous.newStart + previous.newLines) {
        fail(`hunk ${shorten(line)} overlaps or precedes the hunk before it`, i);
      }
      s.hunks.push(hunk);
      s.lines.push(line);
      owed = {
        old: hunk.oldLines,
        new: hunk.newLines,
        header: line.slice(0, line.indexOf('@@', 2) + 2),
        line: i + 1,
      };
      continue;
    }
    if (section && section.hunks.length === 0 && !section.binary) {
      const header = EXTENDED_HEADERS.find(([pattern]) => pattern.test(line));
      if (header) {
        const [pattern, apply] = header;
        apply(section, pattern.exec(line)![1] ?? '');
        section.lines.push(line);
        continue;
      }
    }
    if (section && section.hunks.length > 0 && /^[-+ ]/.test(line) && line !== '-- ') {
      fail(`line ${shorten(line)} follows a complete hunk: a hunk header count is too small`, i);
    }
    // Anything else (mail headers, commit messages, diffstat, binary patch data, `-- ` trailers) carries
    // no change information: git apply skips it too.
  }
  if (owed) {
    fail(
      `diff ends inside hunk ${owed.header} (line ${owed.line}): ${owed.old} old and ${owed.new} new lines missing`,
      lines.length - 1,
    );
  }
  return sections;
}
