// A patch file against a directory of new-side files: the change that `scan --diff` and `functions` read.
import { readFile } from 'node:fs/promises';
import { InputError } from '../config.ts';
import { DiffParseError, parseUnifiedDiff } from '../diff/parse.ts';
import type { GitObjectReader } from '../git/objects.ts';
import { directoryReader, type FileReader, isDirectory } from '../git/worktree.ts';
import type { FileChange } from '../types.ts';

/** A local change: what changed, how to read the new side, and how to name it to the user. */
export interface Change {
  changes: FileChange[];
  readFile: FileReader;
  label: string;
  /**
   * Git mode only: the repository's objects through one batch reader, and the revisions compared (head
   * undefined: the working tree). The base side of the change is `objects.read(base, oldPath ?? path)`.
   */
  git?: { objects: GitObjectReader; base: string; head?: string };
  /** Releases what reading the change holds (the git reader's process); called once the scan is done. */
  close?: () => Promise<void>;
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
  return {
    changes,
    readFile: directoryReader(root),
    label: `${diffFile} against ${root}`,
  };
}
