// Files the CLI and the action write (SARIF, eval reports, fine-tuning sets): checked before any work
// starts, so a mistyped path fails in a second instead of after an hour of analysis, and written through a
// temporary file renamed into place, so a failure never leaves an existing file emptied or half written.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from './config.ts';

/** Why `path` cannot be written as a file, or undefined when it can (its folders are created as needed). */
export async function whyNotWritable(path: string): Promise<string | undefined> {
  const target = resolve(path);
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) return 'it is a directory';
  if (info && !info.isFile()) return 'it is not a regular file';
  if (info) {
    const writable = await access(target, constants.W_OK).then(
      () => true,
      () => false,
    );
    if (!writable) return 'the file exists and is not writable';
  }
  // The nearest folder that exists must be a folder we may create entries in.
  let folder = dirname(target);
  for (;;) {
    const folderInfo = await stat(folder).catch((error: NodeJS.ErrnoException) => error);
    if (!(folderInfo instanceof Error)) {
      if (!folderInfo.isDirectory()) return `${folder} is not a folder`;
      const ok = await access(folder, constants.W_OK | constants.X_OK).then(
        () => true,
        () => false,
      );
      return ok ? undefined : `cannot create files in ${folder}`;
    }
    if (folderInfo.code === 'ENOTDIR') {
      // Some folder on the way is a file: name it.
      folder = dirname(folder);
      continue;
    }
    if (folderInfo.code !== 'ENOENT') return `cannot look at ${folder} (${folderInfo.code})`;
    const parent = dirname(folder);
    if (parent === folder) return `${folder} does not exist`;
    folder = parent;
  }
}

/** Throws the flag's InputError (exit 2) when `path` cannot be written. */
export async function checkOutputFile(path: string, flag: string): Promise<void> {
  const why = await whyNotWritable(path);
  if (why) throw new InputError(flag, path, `a file vulnreview can write (${why})`);
}

/** A temporary name beside `path`, in the same folder so the final rename cannot cross file systems. */
export function temporaryPathFor(path: string): string {
  const target = resolve(path);
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Moves a finished temporary file into place; on failure the temporary file is removed. */
export async function replaceWith(temporary: string, path: string): Promise<void> {
  try {
    await rename(temporary, resolve(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `data` to `path` whole or not at all: into a temporary file beside it, then renamed over it. The
 * folder is created as needed; an existing file is replaced only once the new content is complete.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const temporary = temporaryPathFor(path);
  try {
    await writeFile(temporary, data);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await replaceWith(temporary, path);
}
