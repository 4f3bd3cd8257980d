// The namespaces and classes around each place of a file, read from its braces alone. tree-sitter's
// error recovery can close a scope at the wrong `}` (a function body cut short by a construct it cannot
// read hands its own `}` to the namespace) or lose a class head in an ERROR region; the definitions
// after that point then come out with a qualifier missing or doubled. Counting braces in the text the
// parser saw (macros and set-aside branches blanked) does not go wrong that way, as long as the braces
// balance. Only run on files whose tree has errors.
import { Tok, tokenize } from './lexer.ts';
import { cleanName } from './names.ts';

/** A namespace or class body: its `{` and `}` offsets and its name as the tree would give it. */
interface ScopeSpan {
  open: number;
  close: number;
  /** Undefined when the head could not be read (`namespace [[attr]] x {`): no answer inside it. */
  name: string | undefined;
  isClass: boolean;
}

export interface LexicalScope {
  names: string[];
  /** How many trailing entries of `names` are classes. */
  classDepth: number;
}

/** Words after which a `{` cannot open the class or namespace named before them. */
const NOT_A_HEAD = new Set(['enum', 'return', 'new', 'throw', 'sizeof', 'operator']);

const CLASS_KEYWORDS = new Set(['class', 'struct', 'union']);

/** Attribute-like words in a class head, each followed by a parenthesised argument. */
const HEAD_ATTRIBUTES = new Set(['alignas', '__attribute__', '__declspec', '_Alignas']);

export class Scopes {
  private constructor(private readonly spans: readonly ScopeSpan[]) {}

  /**
   * The scopes of `text` (what the parser saw), or undefined when its braces do not balance: then the
   * text itself is off (a brace hidden in a macro, a missing one) and the tree's guess is as good.
   */
  static of(text: string): Scopes | undefined {
    const toks = tokenize(text);
    const { count, kind, sub, start, end } = toks;
    const word = (i: number) => text.slice(start[i], end[i]);
    const isPunct = (i: number, c: number) =>
      kind[i] === Tok.Punct && sub[i] === c && end[i]! - start[i]! === 1;
    const spans: ScopeSpan[] = [];
    /**
     * For each open `{`: the span it opened, null for any other block, or `inline` for a brace inside
     * parentheses (`f(T{})`, a lambda argument), which neither ends nor starts a statement.
     */
    const stack: (ScopeSpan | null | 'inline')[] = [];
    /** First token of the current statement (after the last `;`, `{` or `}`), and its open parentheses. */
    let first = 0;
    let parens = 0;
    for (let i = 0; i < count; i++) {
      if (kind[i] !== Tok.Punct) continue;
      const c = sub[i];
      if (c === 40 /* ( */) parens++;
      else if (c === 41 /* ) */) parens--;
      else if (c === 59 /* ; */) {
        if (parens <= 0) {
          first = i + 1;
          parens = 0;
        }
      } else if (c === 125 /* } */) {
        if (stack.length === 0) return undefined;
        const span = stack.pop();
        if (span === 'inline') continue;
        if (span) span.close = start[i]!;
        first = i + 1;
        parens = 0;
      } else if (c === 123 /* { */) {
        if (parens > 0) {
          stack.push('inline');
          continue;
        }
        const span = head(first, i);
        if (span) spans.push(span);
        stack.push(span);
        first = i + 1;
      }
    }
    if (stack.length > 0) return undefined;
    return new Scopes(spans);

    /** What the statement [from, brace) makes of the `{` at `brace`: a namespace, a class, or neither. */
    function head(from: number, brace: number): ScopeSpan | null {
      // The last `namespace` or class keyword at depth 0 (not inside `template <…>` or arguments).
      let angles = 0;
      let parens = 0;
      let keyword = -1;
      for (let i = from; i < brace; i++) {
        const k = kind[i];
        if (k === Tok.Punct) {
          const c = sub[i];
          const len = end[i]! - start[i]!;
          const outside = parens === 0 && angles === 0;
          // `=` or a `(` after the keyword: `struct X x = {`, a function returning `struct X *`.
          if (outside && keyword >= 0 && len === 1 && (c === 61 || (c === 40 && !isAttribute(i - 1))))
            return null;
          if (c === 40 || c === 91) parens++;
          else if (c === 41 || c === 93) parens--;
          else if (parens === 0 && c === 60 && len === 1) angles++;
          else if (parens === 0 && c === 62 && len === 1 && angles > 0) angles--;
        } else if (k === Tok.Ident && parens === 0 && angles === 0) {
          const w = word(i);
          if (w === 'namespace' || CLASS_KEYWORDS.has(w)) keyword = i;
        }
      }
      if (keyword < 0) return null;
      const kw = word(keyword);
      if (keyword > from && NOT_A_HEAD.has(word(keyword - 1))) return null;
      if (kw === 'namespace') {
        // `namespace a::b {`, `namespace {`, `inline namespace v1 {`.
        // From the tokens, so that a comment before the `{` is no part of it.
        let name: string | undefined = '';
        for (let i = keyword + 1; i < brace && name !== undefined; i++)
          name = kind[i] === Tok.Ident || isScope(i) ? name + word(i) : undefined;
        const span = { open: start[brace]!, close: -1, isClass: false };
        return { ...span, name: name === '' ? '(anonymous namespace)' : name };
      }
      // `class [[attr]] alignas(8) Name<Args> final : Base {`: the name is the last one before
      // `final`, `:` or `{` (a macro before it, had the pass left one, is not the name).
      let name = -1;
      let nameEnd = -1;
      let i = keyword + 1;
      while (i < brace) {
        if (kind[i] === Tok.Ident) {
          const w = word(i);
          if (w === 'final') break;
          if (HEAD_ATTRIBUTES.has(w) && isPunct(i + 1, 40)) {
            i = skip(i + 1, 40, 41);
            continue;
          }
          // `Name`, `Outer::Name`, `Name<Args>`, `Outer<T>::Name<U>`.
          name = i;
          let j = i;
          for (;;) {
            if (isPunct(j + 1, 60)) j = skip(j + 1, 60, 62) - 1;
            else if (isScope(j + 1) && j + 2 < brace && kind[j + 2] === Tok.Ident) j += 2;
            else break;
          }
          nameEnd = j;
          i = j + 1;
        } else if (isPunct(i, 91) && isPunct(i + 1, 91)) {
          i = skip(i, 91, 93);
        } else break;
      }
      if (name < 0) return null;
      if (!(i === brace || isPunct(i, 58) || word(i) === 'final')) return null;
      return {
        open: start[brace]!,
        close: -1,
        isClass: true,
        name: cleanName(text.slice(start[name], end[nameEnd])),
      };
    }

    /** Index after the bracket that closes the one at `at` (`open`/`close` char codes). */
    function skip(at: number, open: number, close: number): number {
      let depth = 0;
      // Inside parentheses of a template argument (`enable_if<(T::f(X{}), true)>`) anything goes.
      let parens = 0;
      for (let i = at; i < count; i++) {
        if (open !== 40 && isPunct(i, 40)) parens++;
        else if (open !== 40 && isPunct(i, 41)) parens--;
        else if (parens > 0) continue;
        else if (isPunct(i, open)) depth++;
        else if (isPunct(i, close) && --depth === 0) return i + 1;
        else if (isPunct(i, 59) || isPunct(i, 123) || isPunct(i, 125)) return i;
      }
      return count;
    }

    function isScope(i: number): boolean {
      return kind[i] === Tok.Punct && sub[i] === 58 && end[i]! - start[i]! === 2;
    }

    function isAttribute(i: number): boolean {
      return i >= 0 && kind[i] === Tok.Ident && HEAD_ATTRIBUTES.has(word(i));
    }
  }

  /**
   * The namespaces and classes whose braces hold `offset`, outermost first; undefined inside a scope
   * whose head could not be read.
   */
  at(offset: number): LexicalScope | undefined {
    const names: string[] = [];
    let classDepth = 0;
    for (const span of this.spans) {
      if (span.open >= offset) break;
      if (span.close < offset) continue;
      if (span.name === undefined) return undefined;
      names.push(span.name);
      classDepth = span.isClass ? classDepth + 1 : 0;
    }
    return { names, classDepth };
  }
}
