// FileChange[] + a way to read new-side files → the functions the change touched, the files left out
// (and why), and a per-file report. Used by the pipeline, the action and the CLI.
import type { ChangedFunction, FileChange, Lang, Skipped } from '../types.ts';
import { decodeSource, isBinary } from './decode.ts';
import { extractFunctions } from './functions.ts';
import { languageOf } from './language.ts';
import { OldText } from './moved.ts';
import { makePathFilter } from './paths.ts';
import { touches } from './select.ts';

export { decodeSource, isBinary } from './decode.ts';
export { extractFunctions, type FileFunctions, type FunctionDef } from './functions.ts';
export { languageOf } from './language.ts';
export { makePathFilter } from './paths.ts';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

export interface ExtractOptions {
  /** Files larger than this are skipped as 'too-large'. Default 1 MiB. */
  maxFileBytes?: number;
  /** Only paths matching one of these globs are analysed (CodeQL semantics; empty = all). */
  paths?: string[];
  /** Paths matching one of these globs are left out and listed as 'ignored-path'. */
  pathsIgnore?: string[];
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
}

export interface ExtractionResult {
  /** Ordered by file (as in the diff), then start line. */
  functions: ChangedFunction[];
  skipped: Skipped[];
  files: FileReport[];
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

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Finds the functions each changed C/C++ file's change touched. Non-C/C++ files, deleted files and
 * mode-only changes are ignored (nothing to analyse). Binary, unreadable, too-large and path-excluded
 * C/C++ files are listed in `skipped`; none is dropped silently.
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
    let bytes: Uint8Array | undefined;
    let readError = '';
    try {
      bytes = await readFile(path);
    } catch (error) {
      readError = ` (${error instanceof Error ? error.message : String(error)})`;
    }
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
    const { text, lossy } = decodeSource(bytes);
    const lang = languageOf(path, text)!;
    const { functions, errorRatio } = await extractFunctions(text, lang, path);
    const changed = functions.filter((fn) => touches(fn, change) && !oldText.contains(fn.source));
    result.functions.push(...changed);
    result.files.push({
      path,
      lang,
      functions: functions.length,
      changedFunctions: changed.length,
      errorRatio,
      lossyDecode: lossy,
    });
  }
  return result;
}
