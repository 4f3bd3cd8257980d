// Macros that are not C++ to a parser that cannot expand them: found by where they stand, so that a
// name which only looks like a macro is left alone. Each rule removes (blanks) or respells tokens of
// the same length; nothing moves. The rules, in the order they are tried on an identifier:
//
//  declared   the user's macros (macros file, `.clang-format`) and well-known statement macros (Q_OBJECT)
//  Qt access  `signals:` / `public slots:`
//  class head `class LIB_EXPORT Widget {`, `struct ATTR(x) Name : Base {`, `ALIGN_DECL(struct) Frame {`
//  own line   upper-case macros (with any arguments) alone on their lines between declarations or
//             statements: `LIB_NAMESPACE_BEGIN`, `Q_OBJECT`, `DISALLOW_COPY_AND_ASSIGN(X)`, `LIB_API`
//  after head `void f() LIB_NOEXCEPT {`, `int g() const ABSL_LOCKS_EXCLUDED(mu);`
//  before kw  `LIB_INLINE static int f()`, `FMT_BEGIN_NAMESPACE namespace detail {`
//  attribute  names shaped like attributes (`*_EXPORT`, `*_INLINE`, `*_CONSTEXPR`, …) in declarations
//  block      `LIB_TRY {` / `} LIB_CATCH(e) {` in a function body: the block stays, the macro goes
//  init       `: l_ LIB_LOCK_INIT {}` in a constructor's initialiser list: a macro standing for `{…}`
//  asm        Microsoft's `__asm { mov eax, x }` in a body: the block's contents are not C++
import { Tok, type Tokens } from './lexer.ts';
import {
  DEFAULT_ATTRIBUTE_NAME,
  DEFAULT_STATEMENTS,
  type MacroConfig,
  TRAILING_ATTRIBUTE_NAME,
} from './macros.ts';

/** A change to the text: [start, end) replaced by `text` (same length) or blanked when absent. */
export interface Edit {
  start: number;
  end: number;
  text?: string;
}

export interface MacroPass {
  edits: Edit[];
  /**
   * Offsets of macros removed from lines of their own that belong to the declaration below them
   * (`LIB_API` above a function head): a definition right under such lines starts at them.
   */
  heads: number[];
}

enum Ctx {
  /** Translation unit, namespace, `extern "C"`. */
  Decl = 0,
  Class = 1,
  Body = 2,
  /** Initialisers, enums: nothing to do inside. */
  Other = 3,
}

const SPECIFIERS = new Set([
  'static',
  'inline',
  'virtual',
  'constexpr',
  'consteval',
  'constinit',
  'explicit',
  'extern',
  'friend',
  'thread_local',
  'mutable',
]);

/** Words a declaration can begin with: a macro right before one is not a type. */
const DECL_WORDS = new Set([
  ...SPECIFIERS,
  'void',
  'auto',
  'bool',
  'char',
  'char8_t',
  'char16_t',
  'char32_t',
  'wchar_t',
  'int',
  'unsigned',
  'signed',
  'long',
  'short',
  'float',
  'double',
  'template',
  'class',
  'struct',
  'union',
  'enum',
  'namespace',
  'typedef',
  'using',
  'typename',
  'operator',
  'register',
  'decltype',
  'static_assert',
  'export',
]);

/** Words that may stand between a declarator's `)` and its body or `;`. */
const AFTER_HEAD = new Set([
  'const',
  'override',
  'final',
  'noexcept',
  'volatile',
  'mutable',
  'try',
  'requires',
]);

const ACCESS = new Set(['public', 'protected', 'private']);

const MS_MODIFIERS = new Set([
  '__declspec',
  '__stdcall',
  '__cdecl',
  '__fastcall',
  '__thiscall',
  '__vectorcall',
  '__clrcall',
]);

/** Words followed by `(…) {` in a body that are C++, not macros. */
const CONTROL = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'return',
  'sizeof',
  'decltype',
  'alignof',
  'noexcept',
  'requires',
  'constexpr',
]);

/** Upper-case names that are values, not macros to remove. */
const NOT_MACROS = new Set(['NULL', 'TRUE', 'FALSE', 'EOF']);

/** Macro names that open or close something: never part of the definition below them. */
const SCOPE_WORD =
  /(?:^|_)(?:BEGIN|END|NAMESPACE|START|STOP|OBJECT|GADGET|DECLARE|DEFINE|DISABLE|DISALLOW|REGISTER|IMPLEMENT)(?:_|$)/;

class Pass {
  readonly edits: Edit[] = [];
  readonly heads: number[] = [];
  /** Live token indices (not in a branch set aside, not directives). */
  private readonly live: Int32Array;
  private readonly m: number;
  /** Positions (into `live`) removed by a rule. */
  private readonly gone: Uint8Array;
  private readonly ctx: Ctx[] = [Ctx.Decl];
  /** For each entry of ctx: the class's name when it is a class body (constructors are named so). */
  private readonly classNames: string[] = [''];
  /** Set by fromStatement when the brace it classifies opens a class: that class's name. */
  private lastClassName = '';
  /** Last kept position, and the last one that ended a statement (`;`, `{`, `}`, `public:`). */
  private prev = -1;
  private boundary = -1;
  /** First kept position of the current statement. */
  private first = 0;
  private readonly hasUserMacros: boolean;
  /** Position of the last macro respelled as a member's `{}` (memberInit): a `{` after it opens a body. */
  private initializer = -1;

  constructor(
    private readonly text: string,
    private readonly toks: Tokens,
    dead: Uint8Array,
    private readonly macros: MacroConfig | undefined,
  ) {
    const live = new Int32Array(toks.count);
    let m = 0;
    for (let i = 0; i < toks.count; i++) if (dead[i] === 0 && toks.kind[i] !== Tok.Directive) live[m++] = i;
    this.live = live;
    this.m = m;
    this.gone = new Uint8Array(m);
    this.hasUserMacros =
      macros !== undefined &&
      (macros.attribute.size +
        macros.statement.size +
        macros.namespace.size +
        macros.typename.size +
        macros.ifMacros.size +
        macros.forEach.size >
        0 ||
        macros.blockBegin !== undefined ||
        macros.blockEnd !== undefined);
  }

  // --- token access -------------------------------------------------------------------------------

  private tok(p: number): number {
    return this.live[p]!;
  }

  private word(p: number): string {
    const t = this.live[p]!;
    return this.text.slice(this.toks.start[t], this.toks.end[t]);
  }

  private isIdent(p: number): boolean {
    return p >= 0 && p < this.m && this.toks.kind[this.live[p]!] === Tok.Ident;
  }

  /** Punctuator `c` (first char code); `len` 1 rules out `::` for `:` and `->` for `-`. */
  private isPunct(p: number, c: number, len = 1): boolean {
    if (p < 0 || p >= this.m) return false;
    const t = this.live[p]!;
    return (
      this.toks.kind[t] === Tok.Punct &&
      this.toks.sub[t] === c &&
      this.toks.end[t]! - this.toks.start[t]! === len
    );
  }

  /** Starts a new line (a line break before it). */
  private startsLine(p: number): boolean {
    return p >= this.m || this.toks.lineBefore[this.live[p]!] === 1;
  }

  /** An upper-case identifier of two or more characters: the conventional spelling of a macro. */
  private isCaps(p: number): boolean {
    if (!this.isIdent(p)) return false;
    const t = this.live[p]!;
    const s = this.toks.start[t]!;
    const e = this.toks.end[t]!;
    if (e - s < 2) return false;
    const c0 = this.text.charCodeAt(s);
    if (!((c0 >= 65 && c0 <= 90) || c0 === 95)) return false;
    let letters = c0 !== 95;
    for (let i = s + 1; i < e; i++) {
      const c = this.text.charCodeAt(i);
      if (c >= 65 && c <= 90) letters = true;
      else if (!((c >= 48 && c <= 57) || c === 95)) return false;
    }
    return letters && !NOT_MACROS.has(this.text.slice(s, e));
  }

  /** The word is `w` (cheap length check first). */
  private is(p: number, w: string): boolean {
    if (!this.isIdent(p)) return false;
    const t = this.live[p]!;
    return (
      this.toks.end[t]! - this.toks.start[t]! === w.length && this.text.startsWith(w, this.toks.start[t])
    );
  }

  /** Position of the `)` matching a `(` at p + 1, p itself when no `(` follows, -1 when unmatched. */
  private argsEnd(p: number): number {
    if (!this.isPunct(p + 1, 40)) return p;
    let depth = 0;
    for (let q = p + 1; q < this.m && q < p + 4000; q++) {
      const t = this.live[q]!;
      if (this.toks.kind[t] !== Tok.Punct) continue;
      const c = this.toks.sub[t];
      if (c === 40) depth++;
      else if (c === 41 && --depth === 0) return q;
      else if (c === 59 || c === 123 || c === 125) return -1; // `;` `{` `}` cannot be inside macro args here
    }
    return -1;
  }

  /** Upper-case macro calls from p on, one after another: the last position, or -1. `sameLine` keeps them on one line. */
  private capsChain(p: number, sameLine: boolean): number {
    let q = this.argsEnd(p);
    if (q < 0) return -1;
    while (this.isCaps(q + 1) && !(sameLine && this.startsLine(q + 1))) {
      const r = this.argsEnd(q + 1);
      if (r < 0) break;
      q = r;
    }
    return q;
  }

  // --- edits --------------------------------------------------------------------------------------

  private blank(from: number, to: number): void {
    for (let p = from; p <= to; p++) this.gone[p] = 1;
    this.edits.push({ start: this.toks.start[this.tok(from)]!, end: this.toks.end[this.tok(to)]! });
  }

  private respell(p: number, replacement: string): void {
    const t = this.tok(p);
    const start = this.toks.start[t]!;
    const end = this.toks.end[t]!;
    this.edits.push({ start, end, text: replacement.padEnd(end - start, ' ') });
  }

  /** p's statement has only just begun: nothing kept since the last `;`, `{`, `}` or access label. */
  private atStatementStart(): boolean {
    return this.prev === this.boundary;
  }

  // --- the walk -----------------------------------------------------------------------------------

  run(): void {
    for (let p = 0; p < this.m; p++) {
      if (this.gone[p]) continue;
      const t = this.live[p]!;
      const kind = this.toks.kind[t];
      if (kind === Tok.Punct) {
        if (this.toks.sub[t] === 64 /* @ */) {
          const end = this.objectiveC(p);
          if (end > p) {
            p = end;
            continue;
          }
        }
        // `typedef ::T name;`, `f(::T *)`: the grammar stumbles on a leading `::` there; the name stays.
        if (
          this.toks.sub[t] === 58 &&
          this.isPunct(p, 58, 2) &&
          this.top() !== Ctx.Body &&
          (this.is(this.prev, 'typedef') || this.isPunct(this.prev, 40) || this.isPunct(this.prev, 44))
        ) {
          this.blank(p, p);
          continue;
        }
        this.punct(p, this.toks.sub[t]!);
      } else if (kind === Tok.Ident) {
        if (this.isPunct(p + 1, 60) && this.top() !== Ctx.Body && this.top() !== Ctx.Other)
          this.templateArguments(p + 1);
        const skipTo = this.ident(p);
        if (skipTo >= p) {
          p = skipTo;
          continue;
        }
      }
      if (this.prev === this.boundary) this.first = p;
      this.prev = p;
    }
  }

  /**
   * `@interface … @end`, `@implementation … @end`, `@protocol … @end`: Objective-C in a header the
   * extension calls C or C++. Its methods are not C/C++ functions; the whole block goes. Returns the
   * position of `end`, or -1.
   */
  private objectiveC(p: number): number {
    if (!(this.is(p + 1, 'interface') || this.is(p + 1, 'implementation') || this.is(p + 1, 'protocol')))
      return -1;
    for (let q = p + 2; q + 1 < this.m; q++) {
      if (this.isPunct(q, 64) && this.is(q + 1, 'end')) {
        this.blank(p, q + 1);
        return q + 1;
      }
    }
    return -1;
  }

  private punct(p: number, c: number): void {
    if (c === 123 /* { */) {
      this.lastClassName = '';
      const ctx = this.classify(p);
      this.ctx.push(ctx);
      this.classNames.push(ctx === Ctx.Class ? this.lastClassName : '');
      this.boundary = p;
    } else if (c === 125 /* } */) {
      if (this.ctx.length > 1) {
        this.ctx.pop();
        this.classNames.pop();
      }
      this.boundary = p;
    } else if (c === 59 /* ; */) {
      this.boundary = p;
    } else if (c === 58 && this.isPunct(p, 58) && this.prev >= 0) {
      // `public:`, `signals:`, `public slots:` end a statement in a class; a label (`retry:`,
      // `default:`) in a body, so that a macro after it (`do_read: LIB_YIELD {`) starts a statement.
      const w = this.word(this.prev);
      const top = this.top();
      if (
        this.isIdent(this.prev) &&
        (ACCESS.has(w) || w === 'signals' || this.isCaps(this.prev)) &&
        top === Ctx.Class
      )
        this.boundary = p;
      else if (
        top === Ctx.Body &&
        this.isIdent(this.prev) &&
        (this.first === this.prev || this.is(this.first, 'case'))
      )
        this.boundary = p;
    }
  }

  private top(): Ctx {
    return this.ctx[this.ctx.length - 1]!;
  }

  /** Applies the rules to the identifier at p: the last position handled when a rule removed tokens, else -1. */
  private ident(p: number): number {
    const ctx = this.top();
    if (this.hasUserMacros) {
      const done = this.declared(p, ctx);
      if (done !== -1) return done;
    }
    const t = this.live[p]!;
    const c0 = this.text.charCodeAt(this.toks.start[t]!);
    const len = this.toks.end[t]! - this.toks.start[t]!;
    // Lower-case words with a rule of their own: class heads and Qt's access labels.
    if (c0 >= 97 && c0 <= 122) {
      // `reenter(*this) {` in a body: no call is followed by a block; a macro opens one.
      if (
        ctx === Ctx.Body &&
        this.prev === this.boundary &&
        this.isPunct(p + 1, 40) &&
        !CONTROL.has(this.word(p))
      ) {
        const done = this.block(p, ctx);
        if (done !== undefined) return done;
      }
      if (len === 8 && this.isPunct(p + 1, 60) && this.is(p, 'template')) {
        this.templateParameters(p + 1);
        return -1;
      }
      if ((len === 5 || len === 6) && (this.is(p, 'class') || this.is(p, 'struct') || this.is(p, 'union'))) {
        if (!this.is(p - 1, 'enum')) this.classHead(p);
      } else if (len === 4 && this.is(p, 'enum')) {
        this.classHead(this.is(p + 1, 'class') || this.is(p + 1, 'struct') ? p + 1 : p);
      } else if (ctx === Ctx.Class && (this.is(p, 'signals') || this.is(p, 'slots'))) {
        this.qtAccess(p);
      } else if (len === 8 && ctx === Ctx.Body && this.is(p, 'typename')) {
        // `f(typename T::tag{})`, `typename alias<char[]>::type{ … };`: the grammar cannot read
        // `typename` in an expression, and a body's declarations parse as well without it.
        this.blank(p, p);
        return p;
      } else if (
        len === 6 &&
        this.is(p, 'extern') &&
        this.is(p + 1, 'template') &&
        !this.isPunct(p + 2, 60)
      ) {
        // `extern template class X<int>;`: the grammar knows explicit instantiations, not their
        // `extern` declarations, and glues what it cannot read to the next definition.
        this.blank(p, p);
        return p;
      }
      return -1;
    }
    if (c0 === 95 && ctx === Ctx.Body && (len === 5 || len === 4)) {
      const asm = this.msAsm(p);
      if (asm >= 0) return asm;
    }
    if (c0 === 95 && ctx !== Ctx.Body && MS_MODIFIERS.has(this.word(p))) {
      // `extern "C" __declspec(dllimport) void __stdcall f(…);`: Microsoft's modifiers, which the
      // grammar reads in some places only. Attributes of the declaration; they go.
      const q = this.word(p) === '__declspec' ? this.argsEnd(p) : p;
      if (q >= p) {
        this.blank(p, q);
        return q;
      }
    }
    if (!this.isCaps(p)) return -1;
    // Most upper-case names in a body are constants and calls: only a statement's start, a place right
    // after a `)`, or a call can hold a macro a rule removes. Decided before reading the name.
    if (
      ctx === Ctx.Body &&
      this.prev !== this.boundary &&
      !this.isPunct(p + 1, 40) &&
      !this.isPunct(this.prev, 41)
    )
      if (!(this.isIdent(this.prev) && AFTER_HEAD.has(this.word(this.prev)))) return -1;
    const w = this.word(p);
    if (ctx === Ctx.Class && (w === 'Q_SIGNALS' || w === 'Q_SLOTS')) {
      this.qtAccess(p);
      return -1;
    }
    if (ctx === Ctx.Class && this.atStatementStart() && this.isPunct(p + 1, 58)) {
      // `JSON_PRIVATE_UNLESS_TESTED:`: a macro standing for an access specifier.
      if (w.length >= 6) this.respell(p, 'public');
      else this.blank(p, p + 1);
      return w.length >= 6 ? -1 : p + 1;
    }
    if (DEFAULT_STATEMENTS.has(w) && (this.atStatementStart() || ctx === Ctx.Class)) {
      const q = this.argsEnd(p);
      if (q >= 0) {
        this.blank(p, q);
        return q;
      }
    }
    if (ctx === Ctx.Other) return this.enumerator(p, w);
    if (ctx !== Ctx.Body && this.atStatementStart() && this.isPunct(p + 1, 40)) {
      const wrapped = this.wrapper(p);
      if (wrapped >= 0) return wrapped;
      // `Q_STATIC_ASSERT_X(N > 2, "…");` among declarations: a macro call, which the grammar would read
      // as a declaration with unreadable parameters.
      const q = this.argsEnd(p);
      if (q > p && this.isPunct(q + 1, 59)) {
        this.blank(p, q + 1);
        return q + 1;
      }
    }
    return (
      this.memberInit(p, ctx) ??
      this.standIn(p) ??
      this.ownLine(p, w) ??
      this.sandwich(p) ??
      this.afterHead(p) ??
      this.beforeKeyword(p, ctx) ??
      this.attribute(p, w, ctx) ??
      this.doubleType(p, ctx) ??
      this.beforeConstructor(p, ctx) ??
      this.typeMacro(p) ??
      this.block(p, ctx) ??
      -1
    );
  }

  /**
   * `NODE_DEPRECATED("use …", inline double f(…) { … })`: a macro whose last argument is a whole
   * definition. The macro, its other arguments and its closing `)` go; the definition stays. Returns
   * the position of the last token removed before the definition, or -1.
   */
  private wrapper(p: number): number {
    let depth = 0;
    let braces = 0;
    let comma = -1;
    let body = -1;
    for (let q = p + 1; q < this.m && q < p + 20000; q++) {
      if (this.isPunct(q, 40)) depth++;
      else if (this.isPunct(q, 41)) {
        if (--depth === 0) {
          if (body < 0 || braces !== 0) return -1;
          // A lambda among the arguments (`REGISTER("x", [](int a) { … })`) is not a definition.
          if (this.isPunct((comma >= 0 ? comma : p + 1) + 1, 91)) return -1;
          this.blank(p, comma >= 0 ? comma : p + 1);
          this.blank(q, q);
          return comma >= 0 ? comma : p + 1;
        }
      } else if (this.isPunct(q, 123)) {
        if (depth === 1 && braces === 0 && body < 0) body = q;
        braces++;
      } else if (this.isPunct(q, 125)) braces--;
      else if (depth === 1 && braces === 0 && body < 0 && this.isPunct(q, 44)) comma = q;
      else if (depth === 1 && braces === 0 && this.isPunct(q, 59) && body < 0) return -1;
    }
    return -1;
  }

  /** The user's declarations. */
  private declared(p: number, ctx: Ctx): number {
    const macros = this.macros!;
    if (!this.isIdent(p)) return -1;
    const w = this.word(p);
    if (macros.attribute.has(w) || macros.statement.has(w) || macros.forEach.has(w)) {
      const q = this.argsEnd(p);
      if (q < 0) return -1;
      this.blank(p, q);
      return q;
    }
    if (macros.blockBegin?.test(w) || macros.blockEnd?.test(w)) {
      const q = this.argsEnd(p);
      if (q < 0) return -1;
      this.blank(p, q);
      return q;
    }
    if (macros.ifMacros.has(w) && w.length >= 2) {
      this.respell(p, 'if');
      return -1;
    }
    if (macros.typename.has(w)) {
      const q = this.argsEnd(p);
      if (q <= p) return -1;
      const start = this.toks.start[this.tok(p)]!;
      const end = this.toks.end[this.tok(q)]!;
      const spelled = this.text.slice(start, end);
      if (spelled.includes('\n')) return -1;
      // `STACK_OF(X509)` → `STACK_OF_X509_`: one identifier of the same length, so a type name.
      for (let r = p; r <= q; r++) this.gone[r] = 1;
      this.edits.push({ start, end, text: spelled.replace(/\W/g, '_') });
      return q;
    }
    if (macros.namespace.has(w) && ctx !== Ctx.Body) return this.namespaceMacro(p, w);
    return -1;
  }

  /** `TESTSUITE(name) {` → `namespace name {` when it fits, else the macro and its braces go. */
  private namespaceMacro(p: number, w: string): number {
    const q = this.argsEnd(p);
    if (q < 0 || !this.isPunct(q + 1, 123)) return -1;
    const start = this.toks.start[this.tok(p)]!;
    const end = this.toks.end[this.tok(q)]!;
    const inner = q === p + 3 && this.isIdent(p + 2) ? this.word(p + 2) : '';
    const spelled = inner ? `namespace ${inner}` : 'namespace';
    for (let r = p; r <= q; r++) this.gone[r] = 1;
    if (spelled.length <= end - start && !this.text.slice(start, end).includes('\n')) {
      this.edits.push({ start, end, text: spelled.padEnd(end - start, ' ') });
    } else {
      // Too short to respell (`NS(a)`): without the macro, its block's braces must go too.
      this.edits.push({ start, end });
      const close = this.matchingBrace(q + 1);
      const open = this.tok(q + 1);
      this.edits.push({ start: this.toks.start[open]!, end: this.toks.end[open]! });
      if (close >= 0) {
        this.gone[close] = 1;
        const t = this.tok(close);
        this.edits.push({ start: this.toks.start[t]!, end: this.toks.end[t]! });
      }
      this.gone[q + 1] = 1;
      void w;
    }
    return q;
  }

  private matchingBrace(open: number): number {
    let depth = 0;
    for (let q = open; q < this.m; q++) {
      if (this.isPunct(q, 123)) depth++;
      else if (this.isPunct(q, 125) && --depth === 0) return q;
    }
    return -1;
  }

  /** `signals:` → `public:`; `public slots:` → `public:`. */
  private qtAccess(p: number): void {
    if (!this.isPunct(p + 1, 58)) return;
    const w = this.word(p);
    if (w === 'signals' || w === 'Q_SIGNALS') this.respell(p, 'public');
    else if (this.prev >= 0 && ACCESS.has(this.word(this.prev))) this.respell(p, '');
  }

  /**
   * `class LIB_EXPORT Widget {`: two or more names after the keyword, then `{`, `:` or `final`. Only the
   * last can be the class's name; the others are macros (possibly with arguments).
   */
  private classHead(p: number): void {
    const names: [number, number][] = [];
    let q = p + 1;
    while (q < this.m) {
      if (this.isIdent(q)) {
        if (this.is(q, 'final')) break;
        if (
          this.is(q, 'alignas') ||
          this.is(q, '__declspec') ||
          this.is(q, '__attribute__') ||
          this.is(q, '_Alignas')
        ) {
          const r = this.argsEnd(q);
          if (r < 0) return;
          q = r + 1;
          continue;
        }
        let r = q;
        while (this.isPunct(r + 1, 58, 2) && this.isIdent(r + 2)) r += 2;
        if (r === q) r = this.argsEnd(q);
        if (r < 0) return;
        names.push([q, r]);
        q = r + 1;
      } else if (this.isPunct(q, 91) && this.isPunct(q + 1, 91)) {
        while (q < this.m && !(this.isPunct(q, 93) && this.isPunct(q + 1, 93))) q++;
        q += 2;
      } else break;
    }
    if (names.length < 2) return;
    if (this.isPunct(q, 60)) q = this.angleEnd(q) + 1;
    if (q <= 0) return;
    if (this.is(q, 'final')) q++;
    if (!(this.isPunct(q, 123) || this.isPunct(q, 58))) return;
    for (const [a, b] of names.slice(0, -1)) this.blank(a, b);
    if (this.isPunct(q, 58)) this.baseMacros(q + 1);
  }

  /**
   * `template <…>`: the parameters say nothing about where a function starts or ends, and the grammar
   * stumbles on some of them (`typename enable_if<…>::type = false`, `std::true_type = {}` defaults).
   * They go; `template <>` is left, which the grammar reads as an explicit specialisation. The source
   * shown to the model is the original text, parameters and all.
   */
  private templateParameters(open: number): void {
    let depth = 0;
    let parens = 0;
    for (let q = open; q < this.m && q < open + 4000; q++) {
      const t = this.tok(q);
      if (this.toks.kind[t] !== Tok.Punct) continue;
      const c = this.toks.sub[t];
      const len = this.toks.end[t]! - this.toks.start[t]!;
      if (c === 40 || c === 91) parens++;
      else if (c === 41 || c === 93) parens--;
      else if (parens > 0) continue;
      else if (c === 60 && len === 1) depth++;
      else if (c === 62 && len === 1 && --depth === 0) {
        if (q > open + 1) this.blank(open + 1, q - 1);
        return;
      } else if (c === 59 || c === 123 || c === 125) return;
    }
  }

  /**
   * `enable_if<int(N) >= 0 && X, R>::type` in a declaration: the grammar cannot read comparisons in
   * template arguments and loses the class around them. Such an argument list is emptied
   * (`enable_if<…>` → `enable_if<   >`); it says nothing about where functions are.
   */
  private templateArguments(open: number): void {
    if (this.is(open - 1, 'template') || this.is(open - 1, 'operator')) return;
    let depth = 0;
    let parens = 0;
    let operators = false;
    for (let q = open; q < this.m && q < open + 2000; q++) {
      const t = this.tok(q);
      if (this.toks.kind[t] !== Tok.Punct) continue;
      const c = this.toks.sub[t];
      const len = this.toks.end[t]! - this.toks.start[t]!;
      if (c === 40 || c === 91) parens++;
      else if (c === 41 || c === 93) {
        if (--parens < 0) return;
      } else if (c === 59 || c === 123 || c === 125) return;
      else if (len === 2 && (c === 62 || c === 60 || c === 61 || c === 33 || c === 38 || c === 124)) {
        // `>=` `<=` `==` `!=` `&&` `||`: an expression, not a type.
        if (c !== 38 || parens === 0) operators = true;
      } else if (parens > 0) continue;
      else if (c === 60 && len === 1) depth++;
      else if (c === 62 && len === 1 && --depth === 0) {
        if (operators && q > open + 1) this.blank(open + 1, q - 1);
        return;
      }
    }
  }

  /** `: public LIB_BASE(v8::Controller) {`: a macro wrapping a base class goes, the base stays. */
  private baseMacros(from: number): void {
    for (let q = from; q < this.m && q < from + 2000; q++) {
      if (this.isPunct(q, 123) || this.isPunct(q, 59) || this.isPunct(q, 125)) return;
      if (this.isPunct(q, 60)) {
        const e = this.angleEnd(q);
        if (e < 0) return;
        q = e;
      } else if (this.isCaps(q) && this.isPunct(q + 1, 40)) {
        const e = this.argsEnd(q);
        if (e < 0) return;
        this.blank(q, q + 1);
        this.blank(e, e);
        q = e;
      }
    }
  }

  /** Position of the `>` closing a `<` at p (nested angles counted), -1 when not found. */
  private angleEnd(p: number): number {
    let depth = 0;
    for (let q = p; q < this.m && q < p + 2000; q++) {
      if (this.isPunct(q, 60)) depth++;
      else if (this.isPunct(q, 62) && --depth === 0) return q;
      else if (this.isPunct(q, 59) || this.isPunct(q, 123) || this.isPunct(q, 125)) return -1;
    }
    return -1;
  }

  /** `ALIGN_DECL(struct) Frame {`: a macro standing in for the class keyword. The keyword stays. */
  private standIn(p: number): number | undefined {
    if (!this.isPunct(p + 1, 40) || !this.isPunct(p + 3, 41)) return undefined;
    if (!(this.is(p + 2, 'struct') || this.is(p + 2, 'class') || this.is(p + 2, 'union'))) return undefined;
    if (!this.isIdent(p + 4)) return undefined;
    this.blank(p, p + 1);
    this.blank(p + 3, p + 3);
    return p + 1;
  }

  /**
   * Upper-case macros alone on their line(s), between statements: `LIB_NAMESPACE_BEGIN`, `Q_OBJECT`,
   * `DISALLOW_COPY_AND_ASSIGN(X)` as a class's last member, `LIB_API` above a head. Not when a `{`
   * follows (`TEST(a, b)` on its own line is a function head), nor a bare name above `name(`
   * (`DWORD` above `WINAPI f(…)` is a return type tree-sitter reads well).
   */
  private ownLine(p: number, w: string): number | undefined {
    if (!this.startsLine(p)) return undefined;
    const prev = this.prev;
    const afterTemplate =
      prev >= 0 && ((this.isPunct(prev, 62) && this.is(this.first, 'template')) || this.isPunct(prev, 93));
    if (!this.atStatementStart() && !afterTemplate) return undefined;
    const q = this.capsChain(p, true);
    if (q < 0 || !this.startsLine(q + 1)) return undefined;
    const r = q + 1;
    if (r < this.m) {
      const kind = this.toks.kind[this.tok(r)];
      if (kind === Tok.Ident) {
        if (q === p && this.isPunct(r + 1, 40) && !this.isCaps(r)) return undefined;
      } else if (
        !(this.isPunct(r, 125) || this.isPunct(r, 126) || this.isPunct(r, 91) || this.isPunct(r, 58, 2))
      ) {
        return undefined;
      }
    }
    this.blank(p, q);
    if (!SCOPE_WORD.test(w) && !DEFAULT_STATEMENTS.has(w)) this.heads.push(this.toks.start[this.tok(p)]!);
    return q;
  }

  /**
   * `BEGIN_MACRO(T) name<T> END_MACRO` on a line of its own between declarations: a line that starts and
   * ends with upper-case macros and holds no `;`, `{` or `}` declares nothing tree-sitter can read.
   */
  private sandwich(p: number): number | undefined {
    if (!this.startsLine(p) || !this.atStatementStart()) return undefined;
    let q = this.argsEnd(p);
    if (q < 0) return undefined;
    let last = -1;
    for (q = q + 1; q < this.m && !this.startsLine(q); q++) {
      if (this.isPunct(q, 59) || this.isPunct(q, 123) || this.isPunct(q, 125) || this.isPunct(q, 61))
        return undefined;
      last = q;
    }
    if (last < 0) return undefined;
    // The line's last token is an upper-case name, or the `)` of an upper-case macro's arguments.
    let tail = last;
    if (this.isPunct(last, 41)) {
      let depth = 0;
      for (tail = last; tail > p; tail--) {
        if (this.isPunct(tail, 41)) depth++;
        else if (this.isPunct(tail, 40) && --depth === 0) break;
      }
      tail--;
    }
    if (tail <= p || !this.isCaps(tail) || !this.declarationFollows(last + 1)) return undefined;
    this.blank(p, last);
    return last;
  }

  /** What starts at r can only be a new declaration or statement (or nothing: the end). */
  private declarationFollows(r: number): boolean {
    if (r >= this.m) return true;
    if (this.toks.kind[this.tok(r)] === Tok.Ident) return true;
    return this.isPunct(r, 125) || this.isPunct(r, 126) || this.isPunct(r, 91) || this.isPunct(r, 58, 2);
  }

  /**
   * `BOOST_RV_REF(T) x`, `LIB_RESULT_TYPE(H, void(int))\nasync_read(…)`: a macro call followed by a name
   * is a type, which no call can be. Its arguments go; its name stays as the type.
   */
  private typeMacro(p: number): number | undefined {
    const q = this.argsEnd(p);
    if (q <= p) return undefined;
    const r = q + 1;
    let name = r;
    while (this.isPunct(name, 38) || this.isPunct(name, 38, 2) || this.isPunct(name, 42)) name++;
    if (this.isPunct(name, 46) && this.isPunct(name + 1, 46) && this.isPunct(name + 2, 46)) name += 3;
    // An unnamed parameter pack, `f(LIB_MOVE_ARG(Args)...)`, ends the parameter right there.
    const unnamedPack = name === r + 3 && (this.isPunct(name, 41) || this.isPunct(name, 44));
    if (!unnamedPack && (!this.isIdent(name) || AFTER_HEAD.has(this.word(name)))) return undefined;
    const prev = this.prev;
    const placed =
      this.atStatementStart() ||
      this.isPunct(prev, 40) ||
      this.isPunct(prev, 44) ||
      this.isPunct(prev, 60) ||
      this.isPunct(prev, 62) ||
      this.isPunct(prev, 93) ||
      (this.isIdent(prev) &&
        (SPECIFIERS.has(this.word(prev)) || this.is(prev, 'const') || this.is(prev, 'typename')));
    if (!placed) return undefined;
    this.blank(p + 1, q);
    return q;
  }

  /** `void f() LIB_NOEXCEPT {`, `int g() const ABSL_LOCKS_EXCLUDED(mu);`: macros between a head and its end. */
  private afterHead(p: number): number | undefined {
    const prev = this.prev;
    if (prev < 0) return undefined;
    if (!(this.isPunct(prev, 41) || (this.isIdent(prev) && AFTER_HEAD.has(this.word(prev)))))
      return undefined;
    const q = this.capsChain(p, false);
    if (q < 0) return undefined;
    const r = q + 1;
    const ends =
      r >= this.m ||
      this.isPunct(r, 123) ||
      this.isPunct(r, 59) ||
      this.isPunct(r, 61) ||
      this.isPunct(r, 58) ||
      this.isPunct(r, 45, 2) ||
      (this.isIdent(r) && AFTER_HEAD.has(this.word(r)));
    if (!ends) return undefined;
    this.blank(p, q);
    return q;
  }

  /** `LIB_INLINE static int f()`: macros right before a declaration keyword are not types. */
  private beforeKeyword(p: number, ctx: Ctx): number | undefined {
    if (ctx === Ctx.Body) return undefined;
    const prev = this.prev;
    const placed =
      this.atStatementStart() ||
      (this.isIdent(prev) && SPECIFIERS.has(this.word(prev))) ||
      (this.isPunct(prev, 62) && this.is(this.first, 'template')) ||
      this.isPunct(prev, 93);
    if (!placed) return undefined;
    const q = this.capsChain(p, false);
    if (q < 0) return undefined;
    const r = q + 1;
    if (!((this.isIdent(r) && DECL_WORDS.has(this.word(r))) || this.isPunct(r, 126))) return undefined;
    this.blank(p, q);
    if (this.startsLine(p) && this.startsLine(r) && !SCOPE_WORD.test(this.word(p)))
      this.heads.push(this.toks.start[this.tok(p)]!);
    return q;
  }

  /**
   * Names shaped like attribute macros (DEFAULT_ATTRIBUTE_NAME) in a declaration: `V8_INLINE Local<T>
   * Cast(…)`, `void f(FMT_UNUSED int x)`. Not where the name is being declared (`int GET_API(void)`).
   */
  private attribute(p: number, w: string, ctx: Ctx): number | undefined {
    if (ctx === Ctx.Body) return undefined;
    const trailing = TRAILING_ATTRIBUTE_NAME.test(w);
    if (!trailing && !DEFAULT_ATTRIBUTE_NAME.test(w)) return undefined;
    const prev = this.prev;
    if (!trailing && this.isPunct(p + 1, 40) && prev >= 0) {
      const typeLike =
        (this.isIdent(prev) && !SPECIFIERS.has(this.word(prev)) && !this.is(prev, 'const')) ||
        this.isPunct(prev, 42) ||
        this.isPunct(prev, 38) ||
        this.isPunct(prev, 38, 2) ||
        this.isPunct(prev, 58, 2);
      if (typeLike) return undefined;
    }
    const q = this.argsEnd(p);
    if (q < 0) return undefined;
    this.blank(p, q);
    return q;
  }

  /** `MidButton Q_DECL_ENUMERATOR_DEPRECATED_X("…") = MiddleButton,`: an attribute on an enumerator. */
  private enumerator(p: number, w: string): number {
    if (!this.isIdent(this.prev) || !(TRAILING_ATTRIBUTE_NAME.test(w) || DEFAULT_ATTRIBUTE_NAME.test(w)))
      return -1;
    const q = this.argsEnd(p);
    if (q < 0 || !(this.isPunct(q + 1, 61) || this.isPunct(q + 1, 44) || this.isPunct(q + 1, 125))) return -1;
    this.blank(p, q);
    return q;
  }

  /**
   * `inline QT_ASCII_CAST_WARN QString &operator=(…)`: an upper-case name, then a whole type, then the
   * declarator's name and `(`. Had the first name been the type, the second would be the declarator.
   */
  private doubleType(p: number, ctx: Ctx): number | undefined {
    if (ctx === Ctx.Body || this.isPunct(p + 1, 40)) return undefined;
    const prev = this.prev;
    if (!(this.atStatementStart() || (this.isIdent(prev) && SPECIFIERS.has(this.word(prev)))))
      return undefined;
    let q = p + 1;
    if (!this.isIdent(q) || DECL_WORDS.has(this.word(q)) || this.is(q, 'const') || this.is(q, 'volatile'))
      return undefined;
    while (this.isPunct(q + 1, 58, 2) && this.isIdent(q + 2)) q += 2;
    if (this.isPunct(q + 1, 60)) {
      q = this.angleEnd(q + 1);
      if (q < 0) return undefined;
    }
    q++;
    while (this.isPunct(q, 42) || this.isPunct(q, 38) || this.isPunct(q, 38, 2) || this.is(q, 'const')) q++;
    if (!(this.isIdent(q) || this.isPunct(q, 126)) || AFTER_HEAD.has(this.word(q))) return undefined;
    const name = this.isPunct(q, 126) ? q + 1 : q;
    if (!(this.is(name, 'operator') || (this.isIdent(name) && this.isPunct(name + 1, 40)))) return undefined;
    this.blank(p, p);
    return p;
  }

  /**
   * `CONSTEXPR_M fields(int y) : y_(y) {}` in `struct fields`: a constructor has no return type, so an
   * upper-case name before the class's own name is a macro.
   */
  private beforeConstructor(p: number, ctx: Ctx): number | undefined {
    if (ctx !== Ctx.Class) return undefined;
    const name = this.classNames[this.classNames.length - 1];
    if (!name) return undefined;
    const r = this.isPunct(p + 1, 126) ? p + 2 : p + 1;
    if (!this.is(r, name) || !this.isPunct(r + 1, 40)) return undefined;
    this.blank(p, p);
    return p;
  }

  /**
   * `atomic_ptr() noexcept : l_ LIB_LOCK_INIT {}`: a member named in a constructor's initialiser list and
   * followed by an upper-case name, then `,` or the body's `{`. Nothing but an initialiser can stand
   * there, so the macro expands to one (`{ 0 }`): respelled `{}`, the member stays initialised and the
   * constructor keeps its body.
   */
  private memberInit(p: number, ctx: Ctx): number | undefined {
    if (ctx === Ctx.Body || ctx === Ctx.Other) return undefined;
    const member = this.prev;
    if (!this.isIdent(member) || !(this.isPunct(p + 1, 44) || this.isPunct(p + 1, 123))) return undefined;
    // Back from the member to the list's `:`, over earlier initialisers `a(x), b{y},`.
    let q = this.kept(member - 1);
    let depth = 0;
    while (q > this.boundary) {
      if (this.isPunct(q, 41) || this.isPunct(q, 125)) depth++;
      else if (this.isPunct(q, 40) || this.isPunct(q, 123)) depth--;
      else if (depth === 0 && this.isPunct(q, 58)) break;
      else if (depth === 0 && !this.isPunct(q, 44) && !this.isIdent(q) && !this.isPunct(q, 58, 2))
        return undefined;
      q = this.kept(q - 1);
      if (depth < 0) return undefined;
    }
    if (q <= this.boundary || !this.isPunct(q, 58)) return undefined;
    // The `:` follows a constructor's head: `)`, or `noexcept`-like words after it.
    const head = this.kept(q - 1);
    if (!(this.isPunct(head, 41) || (this.isIdent(head) && AFTER_HEAD.has(this.word(head)))))
      return undefined;
    this.respell(p, '{}');
    this.initializer = p;
    return -1;
  }

  /** The last position at or before p that no rule removed, or -1. */
  private kept(p: number): number {
    while (p >= 0 && this.gone[p]) p--;
    return p;
  }

  /**
   * Microsoft's inline assembler in a body, `__asm { mov eax, bit; lock bts [edx], eax }` or a line
   * `__asm mov eax, 1`: not C++ (its `;` starts a comment). The keyword and the block's contents go,
   * its braces stay as an empty block. GCC's `__asm__ (…)` and `asm(…)` are C++ and are left alone.
   * Returns the last position handled, or -1.
   */
  private msAsm(p: number): number {
    if (!(this.is(p, '__asm') || this.is(p, '_asm'))) return -1;
    if (this.isPunct(p + 1, 123)) {
      const close = this.matchingBrace(p + 1);
      if (close < 0) return -1;
      this.blank(p, p);
      if (close > p + 2) this.blank(p + 2, close - 1);
      return close;
    }
    if (this.isPunct(p + 1, 40) || this.is(p + 1, 'volatile') || this.startsLine(p + 1)) return -1;
    let q = p + 1;
    while (q + 1 < this.m && !this.startsLine(q + 1) && !this.isPunct(q + 1, 125)) q++;
    this.blank(p, q);
    return q;
  }

  /** `LIB_TRY {` and `} LIB_CATCH(const E& e) {` in a function body: the macro goes, the block stays. */
  private block(p: number, ctx: Ctx): number | undefined {
    if (ctx !== Ctx.Body || !this.atStatementStart()) return undefined;
    const q = this.argsEnd(p);
    if (q < 0 || !this.isPunct(q + 1, 123)) return undefined;
    this.blank(p, q);
    return q;
  }

  // --- what a `{` opens ---------------------------------------------------------------------------

  private classify(p: number): Ctx {
    const prev = this.prev;
    if (prev < 0) return Ctx.Other;
    if (prev === this.initializer) return Ctx.Body;
    const t = this.tok(prev);
    const kind = this.toks.kind[t];
    if (kind === Tok.Literal) return this.is(prev - 1, 'extern') ? Ctx.Decl : Ctx.Other;
    if (kind === Tok.Punct) {
      const c = this.toks.sub[t];
      if (c === 41 /* ) */ || c === 93 /* ] */ || c === 59 || c === 125 || c === 38 /* & && */)
        return Ctx.Body;
      // `case k: {`, `retry: {`, `{ {` in a body: a block.
      if ((c === 58 || c === 123) && this.top() === Ctx.Body && this.toks.end[t]! - this.toks.start[t]! === 1)
        return Ctx.Body;
      if (c === 62 /* > */) return this.fromStatement(p);
      return Ctx.Other;
    }
    if (kind !== Tok.Ident) return Ctx.Other;
    const w = this.word(prev);
    if (w === 'namespace') return Ctx.Decl;
    if (w === 'else' || w === 'do' || w === 'try') return Ctx.Body;
    if (w === 'return') return Ctx.Other;
    const s = this.fromStatement(p);
    if (s === Ctx.Other && AFTER_HEAD.has(w)) return Ctx.Body;
    return s;
  }

  /** What the current statement's head (from its first token to the `{` at p) makes of the block. */
  private fromStatement(p: number): Ctx {
    let q = this.first;
    // Past `template <…>`, attributes and specifiers to the keyword that decides.
    while (q < p) {
      if (this.gone[q]) q++;
      else if (this.is(q, 'template') && this.isPunct(q + 1, 60)) {
        const e = this.angleEnd(q + 1);
        if (e < 0) return Ctx.Other;
        q = e + 1;
      } else if (this.isPunct(q, 91) && this.isPunct(q + 1, 91)) {
        while (q < p && !this.isPunct(q, 93)) q++;
        q += 2;
      } else if (
        this.isIdent(q) &&
        (SPECIFIERS.has(this.word(q)) || this.is(q, 'typedef') || this.is(q, 'export'))
      ) {
        q++;
      } else break;
    }
    if (this.is(q, 'namespace') || (this.is(q, 'inline') && this.is(q + 1, 'namespace'))) return Ctx.Decl;
    if (this.is(q, 'enum')) return Ctx.Other;
    if (this.is(q, 'class') || this.is(q, 'struct') || this.is(q, 'union')) {
      for (let r = q + 1; r < p; r++) {
        if (this.gone[r]) continue;
        if (this.isIdent(r) && !this.is(r, 'final')) this.lastClassName = this.word(r);
        break;
      }
      let angles = 0;
      for (let r = q + 1; r < p; r++) {
        if (this.gone[r]) continue;
        if (this.isPunct(r, 60)) angles++;
        else if (this.isPunct(r, 62) && angles > 0) angles--;
        else if (angles === 0 && this.isPunct(r, 40)) return Ctx.Body;
        else if (angles === 0 && this.isPunct(r, 61)) return Ctx.Other;
      }
      return Ctx.Class;
    }
    for (let r = q; r < p; r++) {
      if (this.isPunct(r, 45, 2)) return Ctx.Body; // `auto f() -> T {`
      if (this.isPunct(r, 61)) return Ctx.Other;
    }
    return Ctx.Other;
  }
}

/** The macro rules over the live tokens; `dead` marks tokens of branches set aside. */
export function macroPass(
  text: string,
  toks: Tokens,
  dead: Uint8Array,
  macros: MacroConfig | undefined,
): MacroPass {
  const pass = new Pass(text, toks, dead, macros);
  pass.run();
  return { edits: pass.edits, heads: pass.heads };
}
