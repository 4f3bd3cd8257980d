// FileChange[] + a way to read new-side files → the functions the change touched, the files left out
// (and why), and a per-file report. Used by the pipeline, the action and the CLI.
import pLimit from 'p-limit';
import type { ChangedFunction, FileChange, Lang, Skipped } from '../types.ts';
import { decodeSource, isBinary } from './decode.ts';
import { extractFunctions, type FileFunctions, type FunctionDef, type Recovery } from './functions.ts';
import { languageOf } from './language.ts';
import { LineHashes, lineHashText } from './line-hash.ts';
import { type MacroConfig, MacrosError, mergeMacros, parseMacros } from './macros.ts';
import { OldText } from './moved.ts';
import { makePathFilter } from './paths.ts';
import { firstChangedLine, touches } from './select.ts';

export { decodeSource, isBinary } from './decode.ts';
export { extractFunctions, type FileFunctions, type FunctionDef, type Recovery } from './functions.ts';
export { languageOf } from './language.ts';
export { type MacroConfig, MacrosError, parseMacros } from './macros.ts';
export { makePathFilter } from './paths.ts';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** How many files are read at once (the GitHub reader makes one API round trip per file). */
const READ_CONCURRENCY = 8;

export interface ExtractOptions {
  /** Files larger than this are skipped as 'too-large'. Default 1 MiB. */
  maxFileBytes?: number;
  /** Only paths matching one of these globs are analysed (CodeQL semantics; empty = all). */
  paths?: string[];
  /** Paths matching one of these globs are left out and listed as 'ignored-path'. */
  pathsIgnore?: string[];
  /** Keep each changed function's syntax tree (`ChangedFunction.syntax`) for a backend that reads it. */
  keepSyntax?: boolean;
  /**
   * Streaming: called with each file's changed functions as soon as they are known, in result order;
   * extraction waits for it, so a slow consumer holds it back (the pipeline's bounded queue).
   */
  onFunctions?: (functions: readonly ChangedFunction[]) => void | Promise<void>;
  /** Project macros, already read (`--macros FILE`). */
  macros?: MacroConfig;
  /**
   * A macros file in the repository, read with the same reader as the sources (the action's `macros`
   * input). A file that is missing or malformed throws MacrosError: the user asked for it.
   */
  macrosFile?: string;
  /** Read `.clang-format` at the repository root for its macro keys (default true). */
  clangFormat?: boolean;
  /** Told about a `.clang-format` that could not be used (it is then ignored). */
  onWarning?: (message: string) => void;
}

/** What happened to one C/C++ file that was parsed. */
export interface FileReport {
  path: string;
  lang: Lang;
  /** Function definitions found in the file. */
  functions: number;
  /** Of those, the ones the change touched. */
  changedFunctions: number;
  /** Share of lines in tree-sitter ERROR regions. */
  errorRatio: number;
  /** The file was not valid UTF-8 and was read as latin1. */
  lossyDecode: boolean;
  /**
   * GitHub's `primaryLocationLineHash` of each line inside a changed function (see line-hash.ts), for the
   * SARIF file (the value code scanning tracks alerts by). Worked out on the first question: it holds
   * the file's text until then (the functions' sources are cut from that text in any case).
   */
  lineHashes?: Pick<ReadonlyMap<number, string>, 'get'>;
  /** Where extraction had to recover and a function may be missing (functions.ts); absent when nowhere. */
  recoveries?: Recovery[];
}

export interface ExtractionResult {
  /** Ordered by file (as in the diff), then start line. */
  functions: ChangedFunction[];
  skipped: Skipped[];
  files: FileReport[];
  /** The project macros extraction used (declared and `.clang-format`), so a base side is read alike. */
  macros?: MacroConfig;
}

/** `.clang-format` at the repository root, and the macros the user declared, as one MacroConfig. */
async function projectMacros(
  readFile: (path: string) => Promise<Uint8Array | undefined>,
  options: ExtractOptions,
): Promise<MacroConfig | undefined> {
  let macros = options.macros;
  if (options.macrosFile) {
    const { bytes, readError } = await readOutcome(readFile, options.macrosFile);
    if (!bytes) throw new MacrosError(`macros file ${options.macrosFile}: cannot read it${readError}`);
    const declared = parseMacros(decodeSource(bytes).text, options.macrosFile);
    macros = macros ? mergeMacros(macros, declared) : declared;
  }
  if (options.clangFormat === false) return macros;
  const { bytes } = await readOutcome(readFile, '.clang-format');
  if (!bytes) return macros;
  try {
    const fromFile = parseMacros(decodeSource(bytes).text, '.clang-format');
    return macros ? mergeMacros(macros, fromFile) : fromFile;
  } catch (error) {
    options.onWarning?.(`${(error as Error).message}; its macro settings are ignored`);
    return macros;
  }
}

/** A file that the diff leaves with nothing to analyse: gone, or only its mode changed. */
function nothingToRead(change: FileChange): boolean {
  if (change.status === 'deleted' || change.status === 'mode-only') return true;
  // A pure rename or an empty patch touches no line.
  return !change.wholeFile && change.addedLines.length === 0 && change.deletionPoints.length === 0;
}

/**
 * A patch series (`git format-patch --stdout`, patches concatenated) can touch one file in several
 * sections. Only the final file can be read, and the later sections' line numbers and old sides describe
 * intermediate states, so they cannot be matched against it: such a file counts as wholly changed (every
 * function is analysed, nothing missed), and only its first section's old side — the true base — may
 * mark a function as moved. Without this the file's functions would also be listed once per section.
 */
function combineRepeatedFiles(changes: readonly FileChange[]): FileChange[] {
  const out: FileChange[] = [];
  const at = new Map<string, number>();
  for (const change of changes) {
    const index = change.status === 'deleted' ? undefined : at.get(change.path);
    if (index === undefined) {
      if (change.status !== 'deleted') at.set(change.path, out.length);
      out.push(change);
      continue;
    }
    const first = out[index]!;
    out[index] = {
      ...change,
      wholeFile: true,
      addedLines: [],
      deletionPoints: [],
      hunks: [],
      ...(first.oldHunks ? { oldHunks: first.oldHunks } : {}),
    };
    if (!first.oldHunks) delete out[index].oldHunks;
  }
  return out;
}

/** A file the loop below will read: C/C++, with lines to analyse, included, not binary by the diff. */
function needsRead(change: FileChange, included: (path: string) => boolean): boolean {
  return (
    languageOf(change.path) !== undefined &&
    change.status !== 'binary' &&
    !nothingToRead(change) &&
    included(change.path)
  );
}

interface ReadOutcome {
  bytes: Uint8Array | undefined;
  /** ` (why)` when the reader threw, else empty. */
  readError: string;
}

/** Never rejects, so a read started early cannot become an unhandled rejection. */
async function readOutcome(
  readFile: (path: string) => Promise<Uint8Array | undefined>,
  path: string,
): Promise<ReadOutcome> {
  try {
    return { bytes: await readFile(path), readError: '' };
  } catch (error) {
    return { bytes: undefined, readError: ` (${error instanceof Error ? error.message : String(error)})` };
  }
}

/**
 * The changed lines no function accounts for: added lines outside every [start, end], and deletion
 * points outside every (start, end] (the rule of `touches`). Wholly changed files have none.
 */
function unattributedLines(change: FileChange, functions: readonly FunctionDef[]): number[] {
  const inside = (line: number, afterStart: number) =>
    functions.some((fn) => line >= fn.start + afterStart && line <= fn.end);
  const added = change.addedLines.filter((line) => !inside(line, 0));
  const deleted = change.deletionPoints.filter((line) => !inside(line, 1));
  return [...new Set([...added, ...deleted])].sort((a, b) => a - b);
}

/** Line hashes of the lines a finding in one of `changed` can point at: those inside the functions. */
function changedLineHashes(
  bytes: Uint8Array,
  decoded: { text: string; lossy: boolean },
  changed: readonly FunctionDef[],
): LineHashes {
  let last = 0;
  for (const fn of changed) last = Math.max(last, fn.end);
  const inside = new Uint8Array(last + 1);
  for (const fn of changed) inside.fill(1, fn.start, fn.end + 1);
  // GitHub hashes the file as UTF-8 with a BOM kept as a character: the text extraction decoded is that
  // text unless it fell back to latin1 or dropped a BOM.
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const text = decoded.lossy || bom ? lineHashText(bytes) : decoded.text;
  return new LineHashes(text, inside, last);
}

/**
 * The stray lines (changed, outside every function) with parse trouble near them: a recovery in the
 * same gap between two functions found. A function missed there would have left exactly such a gap;
 * a stray line in a gap that parsed cleanly is a comment, a declaration or a directive, not a miss.
 */
function strayInTrouble(
  stray: readonly number[],
  functions: readonly FunctionDef[],
  recoveries: readonly Recovery[],
): { lines: number[]; near: Recovery[] } {
  const lines: number[] = [];
  const near = new Set<Recovery>();
  for (const line of stray) {
    let before = 0;
    let after = Number.POSITIVE_INFINITY;
    for (const fn of functions) {
      if (fn.end < line && fn.end > before) before = fn.end;
      if (fn.start >= line && fn.start < after) after = fn.start;
    }
    const hits = recoveries.filter((r) => r.end > before && r.start < after);
    if (hits.length === 0) continue;
    lines.push(line);
    for (const r of hits) near.add(r);
  }
  return { lines, near: [...near].sort((a, b) => a.start - b.start) };
}

/** `3–9` or `12`. */
export function lineRange(r: { start: number; end: number }): string {
  return r.start === r.end ? `${r.start}` : `${r.start}–${r.end}`;
}

/** `3, 7, 12` or `3, 7, 12, … 40` for many. */
function listLines(lines: readonly number[]): string {
  const shown = lines.length > 5 ? [...lines.slice(0, 4), `… ${lines.at(-1)}`] : lines;
  return `line${lines.length === 1 ? '' : 's'} ${shown.join(', ')}`;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Finds the functions each changed C/C++ file's change touched. Non-C/C++ files, deleted files and
 * mode-only changes are ignored (nothing to analyse). Binary, unreadable, too-large and path-excluded
 * C/C++ files are listed in `skipped`; none is dropped silently. So is, as `unparsed`, a file whose
 * extraction failed, and one where changed lines lie outside every function found with parse trouble
 * near them (strayInTrouble): a function there may have been missed.
 */
export async function findChangedFunctions(
  allChanges: FileChange[],
  readFile: (path: string) => Promise<Uint8Array | undefined>,
  options: ExtractOptions = {},
): Promise<ExtractionResult> {
  const changes = combineRepeatedFiles(allChanges);
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const included = makePathFilter(options.paths ?? [], options.pathsIgnore ?? []);
  const oldText = new OldText(changes.flatMap((c) => c.oldHunks ?? []));
  const result: ExtractionResult = { functions: [], skipped: [], files: [] };
  const skip = (file: string, reason: Skipped['reason'], detail: string) =>
    result.skipped.push({ file, reason, detail });

  const anyToRead = changes.some((c) => needsRead(c, included));
  const macros = anyToRead ? await projectMacros(readFile, options) : options.macros;
  if (macros) result.macros = macros;

  // Start the reads up front, at most READ_CONCURRENCY at a time (the API reader makes one round trip
  // per file), and take their results in diff order.
  const limit = pLimit(READ_CONCURRENCY);
  const reads = new Map<FileChange, Promise<ReadOutcome>>();
  for (const change of changes) {
    if (!needsRead(change, included)) continue;
    reads.set(
      change,
      limit(() => readOutcome(readFile, change.path)),
    );
  }

  // The moved check of each function, made once: the syntax copy asks it while the tree is alive, the
  // selection after.
  const moved = new WeakMap<FunctionDef, boolean>();
  const isMoved = (fn: FunctionDef) => {
    let answer = moved.get(fn);
    if (answer === undefined) {
      answer = oldText.contains(fn.source);
      moved.set(fn, answer);
    }
    return answer;
  };

  for (const change of changes) {
    const { path } = change;
    if (languageOf(path) === undefined) continue;
    if (change.status !== 'binary' && nothingToRead(change)) continue;
    if (!included(path)) {
      skip(path, 'ignored-path', 'excluded by paths / paths-ignore');
      continue;
    }
    if (change.status === 'binary') {
      skip(path, 'binary', 'the diff marks this file as binary; it has no text to analyse');
      continue;
    }
    const { bytes, readError } = await reads.get(change)!;
    if (bytes === undefined) {
      skip(
        path,
        'unreadable',
        `could not read the new-side file${readError}; check that the head revision is checked out`,
      );
      continue;
    }
    if (bytes.length > maxFileBytes) {
      skip(
        path,
        'too-large',
        `${formatBytes(bytes.length)} is over the ${formatBytes(maxFileBytes)} limit; raise max-file-size to analyse it`,
      );
      continue;
    }
    if (isBinary(bytes)) {
      skip(path, 'binary', 'the file contains NUL bytes; it is not C/C++ text');
      continue;
    }
    // One file that breaks the parser or the walk must not end the run: it is listed and counted.
    let parsed: { lang: Lang; text: string; lossy: boolean } & FileFunctions;
    try {
      const { text, lossy } = decodeSource(bytes);
      const lang = languageOf(path, text)!;
      // Only the functions that will be selected are worth a copy: a re-indented file touches every
      // function and the moved check then drops them all.
      const keep = options.keepSyntax ? (fn: FunctionDef) => touches(fn, change) && !isMoved(fn) : undefined;
      parsed = {
        lang,
        text,
        lossy,
        ...(await extractFunctions(text, lang, path, {
          ...(macros ? { macros } : {}),
          ...(keep ? { keepSyntax: keep } : {}),
        })),
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      skip(path, 'unparsed', `extracting its functions failed (${message}); review the change by hand`);
      continue;
    }
    const { lang, text, lossy, functions, errorRatio, recoveries } = parsed;
    const changed = functions
      .filter((fn) => touches(fn, change) && !isMoved(fn))
      .map((fn) => {
        const first = firstChangedLine(fn, change);
        return first === undefined ? fn : { ...fn, firstChangedLine: first };
      });
    result.functions.push(...changed);
    if (changed.length > 0) await options.onFunctions?.(changed);
    const stray = recoveries
      ? strayInTrouble(unattributedLines(change, functions), functions, recoveries)
      : undefined;
    // Only recoveries where a changed function may be missing or misjudged are this change's business.
    const relevant = recoveries?.filter(
      (r) =>
        change.wholeFile ||
        stray?.near.includes(r) ||
        changed.some((fn) => r.start <= fn.end && fn.start <= r.end),
    );
    result.files.push({
      path,
      lang,
      functions: functions.length,
      changedFunctions: changed.length,
      errorRatio,
      lossyDecode: lossy,
      ...(changed.length > 0 ? { lineHashes: changedLineHashes(bytes, { text, lossy }, changed) } : {}),
      ...(relevant && relevant.length > 0 ? { recoveries: relevant } : {}),
    });
    if (stray && stray.lines.length > 0) {
      const { lines, near } = stray;
      const where = `${near.slice(0, 3).map(lineRange).join(', ')}${near.length > 3 ? ', …' : ''}`;
      const setAside = near.some((r) => r.what.startsWith('an #if'));
      const count = lines.length === 1 ? '1 changed line' : `${lines.length} changed lines`;
      skip(
        path,
        'unparsed',
        `${count} (${listLines(lines)}) ${lines.length === 1 ? 'lies' : 'lie'} outside every function found, ` +
          `next to code that ${setAside ? 'did not parse or sits in an #if branch set aside' : 'did not parse'} ` +
          `(around ${where.includes('–') || near.length > 1 ? 'lines' : 'line'} ${where}; often macros ` +
          'tree-sitter cannot expand): a function there may have been missed; review those lines by hand',
      );
    }
  }
  return result;
}
