// Reading files from a directory on disk (a checkout or a working tree), confined to that directory.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export type FileReader = (path: string) => Promise<Uint8Array | undefined>;

/** True when `path` (already resolved) is `root` or inside it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel.split(sep)[0] !== '..' && !isAbsolute(rel));
}

/**
 * Reads files under `root`. A path that leaves the root, directly or through a symlink (a PR can add a
 * link to /etc/passwd), reads as missing, so nothing outside the repository is ever sent to a model.
 */
export function directoryReader(root: string): FileReader {
  const base = resolve(root);
  return async (path) => {
    const target = resolve(base, path);
    if (!inside(base, target)) return undefined;
    try {
      const real = await realpath(target);
      if (!inside(await realpath(base), real)) return undefined;
      return new Uint8Array(await readFile(real));
    } catch {
      return undefined;
    }
  };
}

/** True when `path` is an existing directory: a mistyped --root must fail, not read every file as missing. */
export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
