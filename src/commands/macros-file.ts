// `--macros FILE`: project macros for the extractor, read from a local file (clang-format's keys).
import { readFile } from 'node:fs/promises';
import { decodeSource } from '../extract/decode.ts';
import { type MacroConfig, parseMacros } from '../extract/macros.ts';

/** The macros declared in `path`, or undefined when no file was given. Errors name the flag and file. */
export async function loadMacrosFile(path: string | undefined): Promise<MacroConfig | undefined> {
  if (path === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    throw new Error(`cannot read --macros ${path}: ${(error as Error).message}`);
  }
  return parseMacros(decodeSource(bytes).text, `--macros ${path}`);
}
