// A patch file against a directory of new-side files: the change that `scan --diff` and `functions` read.
import { readFile } from 'node:fs/promises';
import type { BaseFileReader } from '../baseline/types.ts';
import { InputError } from '../config.ts';
import { DiffParseError, parseUnifiedDiff } from '../diff/parse.ts';
import { reversedBaseReader } from '../diff/reverse.ts';
import { directoryReader, type FileReader, isDirectory } from '../git/worktree.ts';
import type { FileChange } from '../types.ts';

/** A local change: what changed, how to read the new side, and how to name it to the user. */
export interface Change {
  changes: FileChange[];
  readFile: FileReader;
  label: string;
  /** Files as they were before the change, for the delta (baseline states); absent: no comparison. */
  readBaseFile?: BaseFileReader;
}

export async function fromPatchFile(diffFile: string, root: string): Promise<Change> {
  if (!(await isDirectory(root))) {
    throw new InputError('--root', root, 'a directory holding the new-side files');
  }
  let text: string;
  try {
    text = await readFile(diffFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --diff ${diffFile}: ${(error as Error).message}`);
  }
  let changes: FileChange[];
  try {
    changes = parseUnifiedDiff(text);
  } catch (error) {
    // Name the patch file: the parser only knows lines and the files inside the diff.
    if (error instanceof DiffParseError) throw new Error(`${diffFile}: ${error.message}`);
    throw error;
  }
  const readNewFile = directoryReader(root);
  return {
    changes,
    readFile: readNewFile,
    label: `${diffFile} against ${root}`,
    // No history here: the base side is rebuilt by reversing the patch over the new-side files.
    readBaseFile: reversedBaseReader(changes, readNewFile),
  };
}
