// Base files of a local git repository, for `scan --repo`. Kept behind the BaseFileReader shape so a
// faster reader (one long-lived `git cat-file --batch`) can replace `git show` without touching callers.
import { showFile } from '../git/local.ts';
import type { BaseFileReader } from './types.ts';

/** Reads `path` at revision `rev` (a full commit id): undefined when it did not exist there. */
export function gitBaseReader(root: string, rev: string): BaseFileReader {
  return (path) => showFile(root, rev, path);
}
