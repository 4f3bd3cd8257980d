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

function blanked(text: string): string {
  if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) return ' '.repeat(text.length);
  return text.replace(/[^\r\n]/g, ' ');
}

/** `text` with the edits applied; edits that overlap one already applied are skipped. */
function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  edits.sort((a, b) => a.start - b.start || b.end - a.end);
  const parts: string[] = [];
  let at = 0;
  for (const e of edits) {
    if (e.start < at) continue;
    parts.push(text.slice(at, e.start), e.text ?? blanked(text.slice(e.start, e.end)));
    at = e.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
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
  for (let i = 0; i < toks.count; i++) {
    if (dead[i] === 0 && toks.kind[i] !== Tok.Directive) continue;
    const start = toks.start[i]!;
    while (i + 1 < toks.count && (dead[i + 1] === 1 || toks.kind[i + 1] === Tok.Directive)) i++;
    edits.push({ start, end: toks.end[i]! });
  }
  const pass = macroPass(text, toks, dead, macros);
  edits.push(...pass.edits);

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
    text: applyEdits(text, edits),
    reduced: groups,
    headRows: new Set(pass.heads.map((offset) => rowOf(starts, offset))),
  };
}
