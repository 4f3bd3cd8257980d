// The preprocessor-aware step before tree-sitter: text in, text out, every line and column kept. What
// is not C++ to a parser that cannot expand macros is blanked with spaces (line breaks stay): every
// preprocessor line, the `#if` branches set aside (conditionals.ts), and macros found by the rules of
// macro-pass.ts. Because offsets do not move, a node of the cleaned text's tree points at the same
// place in the original, where the source of each function is read.
import { resolveConditionals } from './conditionals.ts';
import { Tok, tokenize } from './lexer.ts';
import { type Edit, macroPass } from './macro-pass.ts';
import type { MacroConfig } from './macros.ts';

/** Lines (0-based rows) of an `#if` group that was reduced to one branch. */
export interface ReducedGroup {
  /** The group, `#if` to `#endif`. */
  start: number;
  end: number;
  /** The branches set aside, each from its first to its last line of content. */
  dropped: [start: number, end: number][];
  /** Some branch set aside holds a `{`: it may have held a definition. */
  mayHoldDefinitions: boolean;
}

export interface Prepared {
  /** What the parser sees: the same length and line breaks as the original. */
  text: string;
  reduced: ReducedGroup[];
  /**
   * Rows holding only macros removed as attributes of the declaration below (`LIB_API` above a head):
   * a definition that starts right under them starts at them.
   */
  headRows: Set<number>;
}

/** Row of an offset, by binary search over line starts. */
export function rowOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * `text` with the edits applied. Edits come sorted by start (sortedEdits); one that overlaps an edit
 * already applied is skipped. Done on a byte copy rather than by joining slices: several times faster
 * on files with thousands of edits, and a text that fits in latin1 stays a one-byte string.
 */
function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const wide = /[\u0100-\uffff]/.test(text);
  const buffer = Buffer.from(text, wide ? 'utf16le' : 'latin1');
  // A pooled Buffer may start at an odd offset; a UTF-16 view needs an even one.
  const units = wide
    ? buffer.byteOffset % 2 === 0
      ? new Uint16Array(buffer.buffer, buffer.byteOffset, text.length)
      : new Uint16Array(Buffer.from(buffer).buffer, 0, text.length)
    : buffer;
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue;
    if (e.text !== undefined) {
      for (let i = 0; i < e.text.length; i++) units[e.start + i] = e.text.charCodeAt(i);
    } else {
      for (let i = e.start; i < e.end; i++) {
        const c = units[i]!;
        if (c !== 10 && c !== 13) units[i] = 32;
      }
    }
    at = e.end;
  }
  if (!wide) return buffer.toString('latin1');
  return Buffer.from(units.buffer, units.byteOffset, text.length * 2).toString('utf16le');
}

/** Two lists sorted by start as one, without sorting both again. */
function merged(a: Edit[], b: Edit[]): Edit[] {
  const sorted = (list: Edit[]) => {
    for (let i = 1; i < list.length; i++)
      if (list[i]!.start < list[i - 1]!.start) return list.sort((x, y) => x.start - y.start);
    return list;
  };
  const x = sorted(a);
  const y = sorted(b);
  if (x.length === 0) return y;
  if (y.length === 0) return x;
  const out: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) out.push(x[i]!.start <= y[j]!.start ? x[i++]! : y[j++]!);
  while (i < x.length) out.push(x[i++]!);
  while (j < y.length) out.push(y[j++]!);
  return out;
}

/** The cleaned text and what was set aside, for `lineStarts` of `text`. */
export function prepare(
  text: string,
  lang: 'c' | 'cpp',
  starts: readonly number[],
  macros?: MacroConfig,
): Prepared {
  const toks = tokenize(text);
  const { dead, reduced } = resolveConditionals(toks, text, lang);
  const edits: Edit[] = [];
  // Directives and branches set aside, as runs of consecutive tokens.
  const { count, kind, start: tokStart, end: tokEnd } = toks;
  for (let i = 0; i < count; i++) {
    if (dead[i] === 0 && kind[i] !== Tok.Directive) continue;
    const start = tokStart[i]!;
    while (i + 1 < count && (dead[i + 1] === 1 || kind[i + 1] === Tok.Directive)) i++;
    edits.push({ start, end: tokEnd[i]! });
  }
  const pass = macroPass(text, toks, dead, macros);

  const row = (tok: number) => rowOf(starts, toks.start[tok]!);
  const rowEnd = (tok: number) => rowOf(starts, Math.max(toks.start[tok]!, toks.end[tok]! - 1));
  const groups: ReducedGroup[] = reduced.map((g) => {
    let mayHoldDefinitions = false;
    const dropped: [number, number][] = [];
    for (const [from, to] of g.dropped) {
      if (to <= from) continue;
      dropped.push([row(from), rowEnd(to - 1)]);
      for (let i = from; i < to && !mayHoldDefinitions; i++)
        if (toks.kind[i] === Tok.Punct && toks.sub[i] === 123) mayHoldDefinitions = true;
    }
    return {
      start: row(g.groupFrom),
      end: rowEnd(Math.min(g.groupTo, toks.count) - 1),
      dropped,
      mayHoldDefinitions,
    };
  });
  return {
    text: applyEdits(text, merged(edits, pass.edits)),
    reduced: groups,
    headRows: new Set(pass.heads.map((offset) => rowOf(starts, offset))),
  };
}
