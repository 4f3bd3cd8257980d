// `#if` / `#elif` / `#else` / `#endif` for a parser that sees one text. Branches that each stand on
// their own (braces and parentheses balanced, at most one of them ending mid-declaration) are all kept,
// so a function defined once per platform is found in every branch. Where branches only make sense
// one at a time (two function heads sharing one body, each branch opening a `{`, an `else if` chain
// split across branches), one branch is kept and the others are set aside, choosing consistently: a
// condition assumed true once is assumed true everywhere, and conditions a compiler could decide here
// (`0`, `1`, `__cplusplus`, Objective-C) are decided.
import { Dir, Tok, type Tokens } from './lexer.ts';

/** Past this nesting depth, groups are kept whole without analysis (no real code nests this deep). */
const MAX_DEPTH = 200;

interface Branch {
  /** Token index of the directive that opens the branch (`#if`, `#elif`, `#else`). */
  dir: number;
  /** Normalised condition, '' for `#else`. */
  cond: string;
  /** First and one-past-last token of the branch's content. */
  from: number;
  to: number;
  groups: Group[];
}

interface Group {
  branches: Branch[];
  /** Token index of `#endif`, or the token count when the file ends first. */
  endif: number;
}

/** How a run of tokens changes brace and parenthesis depth. */
interface Summary {
  braces: number;
  braceMin: number;
  parens: number;
  parenMin: number;
  /** Last significant token, -1 when the run has none. */
  last: number;
  /** First significant token, -1 when the run has none. */
  first: number;
}

/** A group where one branch was kept: what was set aside, for line mapping and warnings. */
export interface SetAside {
  /** First and one-past-last token index of the whole group (`#if` … `#endif`). */
  groupFrom: number;
  groupTo: number;
  /** Token ranges of the branches' contents that were dropped. */
  dropped: [from: number, to: number][];
}

export interface Conditionals {
  /** 1 for each token that lies in a branch set aside (or a directive's own token). */
  dead: Uint8Array;
  /** Groups reduced to one branch, in text order of their `#if`. */
  reduced: SetAside[];
}

const KNOWN = new Map([
  ['0', false],
  ['1', true],
  ['false', false],
  ['true', true],
]);

/** Words before a `:` that ends a statement rather than continuing one. */
const LABELS = new Set([
  'public',
  'protected',
  'private',
  'default',
  'signals',
  'slots',
  'Q_SIGNALS',
  'Q_SLOTS',
]);

/** Words before a `:` that opens a constructor's initialisers or a class's bases. */
const HEAD_ENDS = new Set(['final', 'noexcept', 'const', 'override']);

const CLASS_KEYWORDS = new Set(['class', 'struct', 'union']);

const EMPTY: Summary = { braces: 0, braceMin: 0, parens: 0, parenMin: 0, last: -1, first: -1 };

/** `#ifdef X` → `defined(X)`, `#if defined X && Y` → `defined(X)&&Y`: one spelling per condition. */
function normalise(text: string, dir: Dir): string {
  const bare = text
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, ' ')
    .replace(/\\\r?\n/g, ' ')
    .replace(
      /\bdefined\s*\(\s*(\w+)\s*\)|\bdefined\s+(\w+)/g,
      (_, a?: string, b?: string) => `defined(${a ?? b})`,
    )
    .replace(/\s+/g, '');
  if (dir === Dir.Ifdef) return `defined(${bare})`;
  if (dir === Dir.Ifndef) return `!defined(${bare})`;
  return bare;
}

function negate(cond: string): string {
  if (cond.startsWith('!') && !/[&|]/.test(cond)) return cond.slice(1).replace(/^\((.*)\)$/, '$1');
  return `!${/^[\w()]+$/.test(cond) ? cond : `(${cond})`}`;
}

class Resolver {
  readonly dead: Uint8Array;
  readonly reduced: SetAside[] = [];
  /**
   * Conditions an earlier choice assumed (true for the branch kept, false for those before it). They only
   * steer later choices, so that matching groups agree; they never set aside a branch that stands alone.
   */
  private readonly assumed = new Map<string, boolean>();
  private readonly cpp: boolean;

  constructor(
    private readonly toks: Tokens,
    private readonly text: string,
    lang: 'c' | 'cpp',
  ) {
    this.dead = new Uint8Array(toks.count);
    this.cpp = lang === 'cpp';
  }

  /** A condition's value where the compiler's is known here: `0`, `1`, `__cplusplus`, Objective-C. */
  private known(cond: string): boolean | undefined {
    const value = KNOWN.get(cond);
    if (value !== undefined) return value;
    // A C++ parse knows it is C++. A C file's `#ifdef __cplusplus` part is still code some compiler
    // reads (C++ callers of the header), so it is treated like any other condition.
    if (this.cpp && (cond === '__cplusplus' || cond === 'defined(__cplusplus)')) return true;
    if (this.cpp && (cond === '!__cplusplus' || cond === '!defined(__cplusplus)')) return false;
    // Objective-C never reaches a C/C++ parser.
    if (/\b__OBJC\w*__/.test(cond) && !/[|!]/.test(cond)) return false;
    return undefined;
  }

  /** What an earlier choice assumed about a condition (or its negation), if anything. */
  private assumption(cond: string): boolean | undefined {
    const direct = this.assumed.get(cond);
    if (direct !== undefined) return direct;
    const opposite = this.assumed.get(negate(cond));
    return opposite === undefined ? undefined : !opposite;
  }

  /** Summarises tokens [from, to), resolving the groups that start inside it. */
  summarize(from: number, to: number, groups: Group[], depth: number): Summary {
    const { kind, sub } = this.toks;
    let braces = 0;
    let braceMin = 0;
    let parens = 0;
    let parenMin = 0;
    let last = -1;
    let first = -1;
    let g = 0;
    for (let i = from; i < to; i++) {
      const group = groups[g];
      if (group && group.branches[0]!.dir === i) {
        const s = this.resolve(group, depth + 1);
        braceMin = Math.min(braceMin, braces + s.braceMin);
        parenMin = Math.min(parenMin, parens + s.parenMin);
        braces += s.braces;
        parens += s.parens;
        if (s.last >= 0) last = s.last;
        if (first < 0) first = s.first;
        i = group.endif;
        g++;
        continue;
      }
      const k = kind[i];
      if (k === Tok.Directive) continue;
      last = i;
      if (first < 0) first = i;
      if (k !== Tok.Punct) continue;
      switch (sub[i]) {
        case 123 /* { */:
          braces++;
          break;
        case 125 /* } */:
          braces--;
          if (braces < braceMin) braceMin = braces;
          break;
        case 40 /* ( */:
          parens++;
          break;
        case 41 /* ) */:
          parens--;
          if (parens < parenMin) parenMin = parens;
          break;
      }
    }
    return { braces, braceMin, parens, parenMin, last, first };
  }

  /**
   * Ends mid-declaration: a function head, a type, an operator — not `;`, `}`, `{`, `,` or a label's
   * `:`. `strict` (for what precedes a group) counts `,` and a constructor's `:` as open too.
   */
  private endsOpen(last: number, strict = false): boolean {
    if (last < 0) return false;
    const { kind, sub, start, end } = this.toks;
    if (kind[last] !== Tok.Punct) return true;
    const c = sub[last];
    if (c === 59 || c === 125 || c === 123) return false;
    if (c === 44) return strict;
    if (c !== 58 || end[last]! - start[last]! !== 1) return true;
    // `public:` and `default:` end a statement; `Ctor() :` and `struct X<T> :` do not.
    const label = this.before(last);
    if (!strict) {
      if (label < 0) return false;
      if (kind[label] === Tok.Punct)
        return end[label]! - start[label]! === 1 && (sub[label] === 41 || sub[label] === 62);
      if (HEAD_ENDS.has(this.text.slice(start[label], end[label]))) return true;
      const keyword = this.before(label);
      return (
        keyword >= 0 &&
        kind[keyword] === Tok.Ident &&
        CLASS_KEYWORDS.has(this.text.slice(start[keyword], end[keyword]))
      );
    }
    return !(
      label >= 0 &&
      kind[label] === Tok.Ident &&
      LABELS.has(this.text.slice(start[label], end[label]))
    );
  }

  private isElse(tok: number): boolean {
    const { kind, start, end } = this.toks;
    return (
      tok >= 0 &&
      kind[tok] === Tok.Ident &&
      end[tok]! - start[tok]! === 4 &&
      this.text.startsWith('else', start[tok])
    );
  }

  /** The last token before `at` that the parser will see (not a directive, not set aside), or -1. */
  private before(at: number): number {
    const { kind } = this.toks;
    for (let i = at - 1; i >= 0 && i >= at - 10000; i--)
      if (kind[i] !== Tok.Directive && this.dead[i] === 0) return i;
    return -1;
  }

  private kill(from: number, to: number): void {
    this.dead.fill(1, from, to);
  }

  /** Decides one group; returns the summary of what is kept. */
  resolve(group: Group, depth: number): Summary {
    const { branches } = group;
    if (depth > MAX_DEPTH) return this.summarize(branches[0]!.from, group.endif, [], depth);
    const summaries = branches.map((b) => this.summarize(b.from, b.to, b.groups, depth));
    // Conditions known here apply as a compiler would apply them: dead code is set aside, not analysed.
    const live: number[] = [];
    for (let i = 0; i < branches.length; i++) {
      const b = branches[i]!;
      const v = b.cond === '' ? true : this.known(b.cond);
      if (v === false) continue;
      live.push(i);
      if (v === true) break;
    }
    const balanced = live.every((i) => {
      const s = summaries[i]!;
      return s.braces === 0 && s.braceMin === 0 && s.parens === 0 && s.parenMin === 0;
    });
    const open = live.filter((i) => this.endsOpen(summaries[i]!.last)).length;
    // Branches that continue a declaration or expression begun before the `#if` (`Ctor() : a(x)` then
    // one `b(y) {}` per branch, arguments split across branches) only make sense one at a time.
    // Only punctuation says so: a name before the `#if` may still be a macro the later pass removes.
    const previous = this.before(branches[0]!.dir);
    const continues =
      live.filter((i) => summaries[i]!.last >= 0).length >= 2 &&
      previous >= 0 &&
      this.toks.kind[previous] === Tok.Punct &&
      this.endsOpen(previous, true);
    // `} #if A else if (…) {…} else {…} #else else {…} #endif`: two branches that each go on with the
    // `if` before the group are alternatives; together they would be an `else` after an `else`.
    const elses = live.filter((i) => this.isElse(summaries[i]!.first)).length;
    let keep: number[];
    if (balanced && open <= 1 && !continues && elses <= 1) {
      keep = live;
    } else {
      // One branch: the one an earlier choice assumed true, else the first not assumed false.
      const cond = (i: number) => branches[i]!.cond;
      const first =
        live.find((i) => cond(i) !== '' && this.assumption(cond(i)) === true) ??
        live.find((i) => cond(i) === '' || this.assumption(cond(i)) !== false) ??
        live[0];
      keep = first === undefined ? [] : [first];
      for (const i of live) {
        if (cond(i) === '' || this.known(cond(i)) !== undefined) continue;
        if (i === first) this.assumed.set(cond(i), true);
        else if (first !== undefined && i < first) this.assumed.set(cond(i), false);
      }
      const dropped: [number, number][] = [];
      for (const i of live) if (i !== first) dropped.push([branches[i]!.from, branches[i]!.to]);
      if (dropped.length > 0)
        this.reduced.push({ groupFrom: branches[0]!.dir, groupTo: group.endif + 1, dropped });
    }
    for (let i = 0; i < branches.length; i++)
      if (!keep.includes(i)) this.kill(branches[i]!.from, branches[i]!.to);
    let out = EMPTY;
    for (const i of keep) {
      const s = summaries[i]!;
      out = {
        braces: out.braces + s.braces,
        braceMin: Math.min(out.braceMin, out.braces + s.braceMin),
        parens: out.parens + s.parens,
        parenMin: Math.min(out.parenMin, out.parens + s.parenMin),
        last: s.last >= 0 ? s.last : out.last,
        first: out.first >= 0 ? out.first : s.first,
      };
    }
    return out;
  }

  /** The group tree of the whole file. Stray `#elif`/`#else`/`#endif` are ignored. */
  groups(): Group[] {
    const { kind, sub, condStart, end, count } = this.toks;
    const top: Group[] = [];
    const open: { group: Group; branch: Branch }[] = [];
    const close = (at: number) => {
      const o = open.pop()!;
      o.branch.to = at;
      o.group.endif = at;
    };
    for (let i = 0; i < count; i++) {
      if (kind[i] !== Tok.Directive) continue;
      const dir = sub[i] as Dir;
      if (dir === Dir.If || dir === Dir.Ifdef || dir === Dir.Ifndef) {
        const branch: Branch = {
          dir: i,
          cond: normalise(this.text.slice(condStart[i], end[i]), dir),
          from: i + 1,
          to: count,
          groups: [],
        };
        const group: Group = { branches: [branch], endif: count };
        (open.at(-1)?.branch.groups ?? top).push(group);
        open.push({ group, branch });
      } else if ((dir === Dir.Elif || dir === Dir.Else) && open.length > 0) {
        const o = open.at(-1)!;
        o.branch.to = i;
        const text = this.text.slice(condStart[i], end[i]);
        const name = /^#\s*(\w+)/.exec(this.text.slice(this.toks.start[i], condStart[i]))?.[1];
        const elifKind = name === 'elifdef' ? Dir.Ifdef : name === 'elifndef' ? Dir.Ifndef : Dir.If;
        const branch: Branch = {
          dir: i,
          cond: dir === Dir.Else ? '' : normalise(text, elifKind),
          from: i + 1,
          to: count,
          groups: [],
        };
        o.group.branches.push(branch);
        o.branch = branch;
      } else if (dir === Dir.Endif && open.length > 0) {
        close(i);
      }
    }
    while (open.length > 0) close(count);
    return top;
  }
}

/** Chooses what of each `#if` group the parser sees. */
export function resolveConditionals(toks: Tokens, text: string, lang: 'c' | 'cpp'): Conditionals {
  const resolver = new Resolver(toks, text, lang);
  const top = resolver.groups();
  resolver.summarize(0, toks.count, top, 0);
  resolver.reduced.sort((a, b) => a.groupFrom - b.groupFrom);
  return { dead: resolver.dead, reduced: resolver.reduced };
}
