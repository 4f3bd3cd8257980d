// `paths` / `paths-ignore` with CodeQL's semantics: patterns are relative to the repository root,
// `*` stays within one folder, `**` spans any number of folders, and a pattern that names a folder
// (with or without glob characters) covers everything below it.
import picomatch from 'picomatch';

type Matcher = (path: string) => boolean;

function normalize(pattern: string): string {
  return pattern.trim().replace(/^\.\//, '').replace(/\/+$/, '');
}

function compile(pattern: string): Matcher {
  const p = normalize(pattern);
  if (p === '' || p === '**') return () => true;
  if (!/[*?[\]{}!()]/.test(p)) return (path) => path === p || path.startsWith(`${p}/`);
  const match = picomatch(p, { dot: true });
  return (path) => {
    // The path itself, or any folder above it, matching the pattern includes the path.
    if (match(path)) return true;
    for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (match(path.slice(0, slash))) return true;
    }
    return false;
  };
}

function anyOf(patterns: string[]): Matcher | undefined {
  const matchers = patterns.filter((p) => normalize(p) !== '').map(compile);
  if (matchers.length === 0) return undefined;
  return (path) => matchers.some((m) => m(path));
}

/**
 * A predicate telling whether a repository-relative path is analysed: it must match one of `paths`
 * (when any are given) and none of `pathsIgnore`.
 */
export function makePathFilter(paths: string[], pathsIgnore: string[]): (path: string) => boolean {
  const include = anyOf(paths);
  const exclude = anyOf(pathsIgnore);
  return (path) => {
    const p = path.replace(/^\.\//, '');
    return (include === undefined || include(p)) && !(exclude?.(p) ?? false);
  };
}
