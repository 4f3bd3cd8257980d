// Which function of the base revision each changed function was before the change. Pure: functions and
// the diff in, pairs out. The rules, most specific first:
// - same file (the old path of a renamed file): the base function of the same qualified name; among
//   several (overloads, `#ifdef` branches) the one whose text is most alike;
// - moved and edited: a base function of the same name in another file of the change whose lines this
//   change deleted there (MOVED_DELETED_SHARE of them), when the two texts are still alike (MOVED_SIMILARITY).
// A function matching nothing is new code. A wrong match could hide a new finding as `unchanged`, so a
// cross-file match needs both conditions, and a name change is always new code.
import type { FunctionDef } from '../extract/functions.ts';
import type { ChangedFunction, FileChange } from '../types.ts';

/** Share of a base function's non-blank lines the change must have deleted in its file to count as moved. */
export const MOVED_DELETED_SHARE = 0.8;
/** Line similarity (Dice) a moved function must keep with its base version. */
export const MOVED_SIMILARITY = 0.5;

export interface BaseMatch {
  head: ChangedFunction;
  base: FunctionDef;
  /** `moved`: the base version was in another file of the change. */
  how: 'same-file' | 'moved';
}

/** The path a changed file had at the base revision; undefined when it is new. */
export function basePathOf(change: FileChange): string | undefined {
  if (change.status === 'added') return undefined;
  return change.oldPath ?? change.path;
}

function normalizeLine(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

function contentLines(source: string): string[] {
  return source
    .split('\n')
    .map(normalizeLine)
    .filter((line) => line !== '');
}

/** Dice coefficient of the two sources' non-blank lines, as multisets: 1 identical, 0 nothing shared. */
export function lineSimilarity(a: string, b: string): number {
  const left = contentLines(a);
  const right = contentLines(b);
  if (left.length + right.length === 0) return 1;
  const counts = new Map<string, number>();
  for (const line of left) counts.set(line, (counts.get(line) ?? 0) + 1);
  let shared = 0;
  for (const line of right) {
    const n = counts.get(line) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(line, n - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

/** The last component of a qualified name: `ns::Class::run` → `run`. */
export function simpleName(name: string): string {
  return name.split('::').at(-1) ?? name;
}

/** The texts (normalized) of the lines a change deleted from a file, from its hunks' old sides. */
export function deletedLines(change: FileChange): Set<string> {
  const lines = new Set<string>();
  for (const hunk of change.oldHunks ?? [])
    for (const line of hunk) if (line.deleted) lines.add(normalizeLine(line.text));
  lines.delete('');
  return lines;
}

function deletedShare(fn: FunctionDef, deleted: ReadonlySet<string>): number {
  const lines = contentLines(fn.source);
  if (lines.length === 0) return 0;
  return lines.filter((line) => deleted.has(line)).length / lines.length;
}

/** The most alike of `candidates` (ties: the nearest start line), or undefined when there are none. */
function mostAlike(head: ChangedFunction, candidates: readonly FunctionDef[]): FunctionDef | undefined {
  let best: FunctionDef | undefined;
  let bestScore = -1;
  for (const candidate of candidates) {
    const score = lineSimilarity(head.source, candidate.source);
    const nearer =
      best !== undefined && Math.abs(candidate.start - head.start) < Math.abs(best.start - head.start);
    if (score > bestScore || (score === bestScore && nearer)) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Files of the change (other than `own`) that a function named `name` may have moved from: C/C++ files
 * that existed at the base and lost a line that names it. Only these need reading for a moved match.
 */
export function moveSources(
  name: string,
  own: FileChange | undefined,
  changes: readonly FileChange[],
): FileChange[] {
  if (changes.length === 0) return [];
  const call = new RegExp(`\\b${simpleName(name).replace(/[^\w~]/g, (c) => `\\${c}`)}\\s*\\(`);
  return changes.filter((c) => {
    if (c === own || basePathOf(c) === undefined) return false;
    for (const hunk of c.oldHunks ?? [])
      for (const line of hunk) if (line.deleted && call.test(line.text)) return true;
    return false;
  });
}

/**
 * The files of `changes` moveSources can ever return (they existed at the base and lost a line), in
 * order: moveSources on these answers as on all of `changes`. It is asked for every changed function
 * without a base version, and a change that adds 10,000 functions would otherwise go through every file
 * of the change for each of them.
 */
export function moveCandidates(changes: readonly FileChange[]): FileChange[] {
  return changes.filter(
    (c) =>
      basePathOf(c) !== undefined && (c.oldHunks ?? []).some((hunk) => hunk.some((line) => line.deleted)),
  );
}

/**
 * Pairs each changed function with its base version. `baseFunctions` holds the functions of each base
 * file that could be read, by base path; files missing from it are unknown (unreadable) or absent.
 */
export function matchBaseFunctions(
  heads: readonly ChangedFunction[],
  changes: readonly FileChange[],
  baseFunctions: ReadonlyMap<string, readonly FunctionDef[]>,
): Map<ChangedFunction, BaseMatch> {
  const changeOf = new Map(changes.map((c) => [c.path, c]));
  const candidates = moveCandidates(changes);
  const matches = new Map<ChangedFunction, BaseMatch>();
  for (const head of heads) {
    const change = changeOf.get(head.file);
    const own = change ? basePathOf(change) : undefined;
    const sameName = (own ? baseFunctions.get(own) : undefined)?.filter((fn) => fn.name === head.name) ?? [];
    const base = mostAlike(head, sameName);
    if (base) {
      matches.set(head, { head, base, how: 'same-file' });
      continue;
    }
    const moved: FunctionDef[] = [];
    for (const source of moveSources(head.name, change, candidates)) {
      const path = basePathOf(source)!;
      const deleted = deletedLines(source);
      for (const fn of baseFunctions.get(path) ?? []) {
        if (fn.name !== head.name || deletedShare(fn, deleted) < MOVED_DELETED_SHARE) continue;
        if (lineSimilarity(head.source, fn.source) >= MOVED_SIMILARITY) moved.push(fn);
      }
    }
    const from = mostAlike(head, moved);
    if (from) matches.set(head, { head, base: from, how: 'moved' });
  }
  return matches;
}
