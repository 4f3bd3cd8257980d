// A patch file against a directory of new-side files: the change that `scan --diff` and `functions` read.
import { readFile } from 'node:fs/promises';
import type { BaseFileReader } from '../baseline/types.ts';
import { InputError } from '../config.ts';
import { DiffParseError, parseUnifiedDiff } from '../diff/parse.ts';
import { reversedBaseReader } from '../diff/reverse.ts';
import { directoryReader, type FileReader, isDirectory } from '../git/worktree.ts';
import type { FileChange } from '../types.ts';
import { newSidesOf, patchCheckedReader } from './patch-check.ts';

/** A local change: what changed, how to read the new side, and how to name it to the user. */
export interface Change {
  changes: FileChange[];
  readFile: FileReader;
  label: string;
  /** Files as they were before the change, for the delta (baseline states); absent: no comparison. */
  readBaseFile?: BaseFileReader;
  /** Releases what reading the change holds (the git reader's process); called once the scan is done. */
  close?: () => Promise<void>;
}

/** Where `--diff -` reads the patch from: standard input, unless that is a terminal (nothing piped). */
export interface DiffInput {
  readStdin: () => Promise<string>;
  stdinIsTerminal: () => boolean;
}

export const processStdin: DiffInput = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  },
  // Asked only for `--diff -`: touching process.stdin opens it.
  stdinIsTerminal: () => process.stdin.isTTY === true,
};

async function readPatch(diffFile: string, input: DiffInput): Promise<string> {
  if (diffFile === '-') {
    if (input.stdinIsTerminal()) {
      throw new InputError(
        '--diff',
        '-',
        'a patch piped on standard input (it is a terminal: pipe one, e.g. `git diff | vulnreview scan --diff -`)',
      );
    }
    return input.readStdin();
  }
  try {
    return await readFile(diffFile, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --diff ${diffFile}: ${(error as Error).message}`);
  }
}

/**
 * The change a patch describes, its files read from `root`. `--diff -` reads the patch from standard
 * input. Each file is checked against the patch as it is read (patch-check.ts): one that is not the
 * patch's new side is counted as not analysed, never silently analysed at the wrong lines.
 */
export async function fromPatchFile(
  diffFile: string,
  root: string,
  input: DiffInput = processStdin,
): Promise<Change> {
  if (!(await isDirectory(root))) {
    throw new InputError('--root', root, 'a directory holding the new-side files');
  }
  const text = await readPatch(diffFile, input);
  const name = diffFile === '-' ? 'the patch on standard input' : diffFile;
  let changes: FileChange[];
  try {
    changes = parseUnifiedDiff(text);
  } catch (error) {
    // Name the patch file: the parser only knows lines and the files inside the diff.
    if (error instanceof DiffParseError) throw new Error(`${name}: ${error.message}`);
    throw error;
  }
  const readNewFile = patchCheckedReader(directoryReader(root), newSidesOf(text), root);
  return {
    changes,
    readFile: readNewFile,
    label: `${name} against ${root}`,
    // No history here: the base side is rebuilt by reversing the patch over the new-side files.
    readBaseFile: reversedBaseReader(changes, readNewFile),
  };
}
