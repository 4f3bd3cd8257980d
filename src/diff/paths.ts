// File names as they appear in diff headers: git quotes unusual names C-style, prefixes them with
// `a/` and `b/` (or the mnemonic `i/ w/ c/ o/` pairs), and plain `diff -u` appends a timestamp.

const DEV_NULL = '/dev/null';

/** Undoes git's C-style quoting (`"a/caf\303\251.c"`); octal escapes are UTF-8 bytes. */
export function unquotePath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"') || raw.length < 2) return raw;
  const bytes: number[] = [];
  const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
  const body = raw.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8));
      i += 3;
    } else if (next in simple) {
      bytes.push(simple[next]!);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The path of a `--- X` / `+++ X` header line: unquoted, timestamp removed. `undefined` for /dev/null. */
export function headerPath(rest: string): string | undefined {
  let path = rest.trim();
  if (!path.startsWith('"')) {
    // `diff -u` appends "\t<timestamp>"; git appends a tab only after names with trailing spaces.
    const tab = path.indexOf('\t');
    if (tab >= 0) path = path.slice(0, tab);
  }
  path = unquotePath(path);
  return path === DEV_NULL ? undefined : path;
}

const PREFIX_PAIRS: [string, string][] = [
  ['a/', 'b/'],
  ['i/', 'w/'],
  ['c/', 'w/'],
  ['o/', 'w/'],
  ['c/', 'i/'],
  ['o/', 'i/'],
];

/**
 * Removes the `a/`/`b/` style prefixes when both sides carry them (or one side is /dev/null), so a diff
 * made with `--no-prefix` keeps a real top-level folder named `a`.
 */
export function stripPrefixes(
  oldPath: string | undefined,
  newPath: string | undefined,
): [string | undefined, string | undefined] {
  for (const [oldPrefix, newPrefix] of PREFIX_PAIRS) {
    const oldOk = oldPath === undefined || oldPath.startsWith(oldPrefix);
    const newOk = newPath === undefined || newPath.startsWith(newPrefix);
    if (oldOk && newOk && (oldPath !== undefined || newPath !== undefined)) {
      return [oldPath?.slice(oldPrefix.length), newPath?.slice(newPrefix.length)];
    }
  }
  return [oldPath, newPath];
}

/**
 * The two paths of a `diff --git <old> <new>` line. Unquoted names with spaces are ambiguous; git itself
 * relies on the two names being equal in that case, so that is the fallback.
 */
export function gitHeaderPaths(rest: string): [string, string] | undefined {
  const quoted = /^("(?:\\.|[^"\\])*"|\S+) ("(?:\\.|[^"\\])*"|\S+)$/.exec(rest);
  if (quoted) return [unquotePath(quoted[1]!), unquotePath(quoted[2]!)];
  // "a/x y b/x y": the two halves are the same name with different prefixes.
  if (rest.length % 2 === 1) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (rest[half] === ' ' && left.slice(2) === right.slice(2)) return [left, right];
  }
  return undefined;
}
