// The preprocessor-aware pass: text in, text out, every offset kept.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dir, Tok, tokenize } from '../../src/extract/lexer.ts';
import { prepare } from '../../src/extract/preprocess.ts';

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

const clean = (text: string, lang: 'c' | 'cpp' = 'cpp') => prepare(text, lang, lineStarts(text)).text;

/** `text` with each of `parts` replaced by as many spaces. */
const without = (text: string, ...parts: string[]) =>
  parts.reduce((t, part) => t.replace(part, ' '.repeat(part.length)), text);

/** The cleaned text's lines, trailing blanks trimmed, for readable expectations. */
const cleanLines = (text: string, lang: 'c' | 'cpp' = 'cpp') =>
  clean(text, lang)
    .split('\n')
    .map((l) => l.trimEnd());

describe('tokenize', () => {
  const kinds = (text: string) => {
    const t = tokenize(text);
    return Array.from({ length: t.count }, (_, i) => [t.kind[i], text.slice(t.start[i], t.end[i])]);
  };

  it('steps over comments and literals, so their braces and hashes do not count', () => {
    const text = 'a /* { */ "}" \'{\' // #if\nR"x(})x" u8"{" b';
    expect(kinds(text)).toEqual([
      [Tok.Ident, 'a'],
      [Tok.Literal, '"}"'],
      [Tok.Literal, "'{'"],
      [Tok.Literal, 'R"x(})x"'],
      [Tok.Literal, 'u8"{"'],
      [Tok.Ident, 'b'],
    ]);
  });

  it('reads a directive as one token, continuation lines and comments included', () => {
    const text = '#define A(x) \\\n  { x }\n  # if defined(B) /* { */\nint c;';
    const t = tokenize(text);
    expect(t.kind[0]).toBe(Tok.Directive);
    expect(t.sub[0]).toBe(Dir.Define);
    expect(text.slice(t.start[0], t.end[0])).toBe('#define A(x) \\\n  { x }');
    expect(t.sub[1]).toBe(Dir.If);
    expect(text.slice(t.condStart[1], t.end[1]).trim()).toBe('defined(B) /* { */');
    expect(kinds(text).slice(2)).toEqual([
      [Tok.Ident, 'int'],
      [Tok.Ident, 'c'],
      [Tok.Punct, ';'],
    ]);
  });

  it('keeps `::`, `->` and `==` whole and `>>` as two closers', () => {
    expect(kinds('a::b->c == d<e<f>>').map(([, s]) => s)).toEqual([
      'a',
      '::',
      'b',
      '->',
      'c',
      '==',
      'd',
      '<',
      'e',
      '<',
      'f',
      '>',
      '>',
    ]);
  });

  it('reads digit separators and exponents as one number', () => {
    expect(kinds("x = 1'000'000 + 1e-5;").map(([, s]) => s)).toEqual([
      'x',
      '=',
      "1'000'000",
      '+',
      '1e-5',
      ';',
    ]);
  });

  it('does not treat a # after code on the same line as a directive', () => {
    expect(tokenize('a # b').kind[1]).toBe(Tok.Punct);
  });
});

describe('prepare keeps every offset', () => {
  const fixtures = new URL('../testdata/extract/', import.meta.url);
  const files = [
    ...readdirSync(fixtures).filter((f) => /\.(c|cpp|h)$/.test(f)),
    ...readdirSync(new URL('classes/', fixtures))
      .filter((f) => !f.endsWith('.json'))
      .map((f) => `classes/${f}`),
  ];
  for (const name of files) {
    it(`${name}: same length, same line breaks, only blanks added`, () => {
      const text = readFileSync(new URL(name, fixtures), 'latin1');
      const out = clean(text, name.endsWith('.c') ? 'c' : 'cpp');
      expect(out.length).toBe(text.length);
      for (let i = 0; i < text.length; i++) {
        const a = text[i];
        const b = out[i];
        if (a === '\n' || a === '\r') expect(b).toBe(a);
        // Blanks, respelled words, and a member's initialiser macro respelled `{}`.
        else if (a !== b) expect(b === ' ' || /\w/.test(b!) || (/[{}]/.test(b!) && /\w/.test(a!))).toBe(true);
      }
    });
  }

  it('keeps characters beyond latin1 where they are, and blanks around them', () => {
    const text = '// naïve € 𝄞\nLIB_API\nint f() { return "𝄞€".size(); }\n';
    const out = clean(text);
    expect(out).toBe(text.replace('LIB_API', '       '));
  });

  it('survives unterminated comments, strings and directives', () => {
    for (const text of [
      'int a /* open',
      'x = "open\ny',
      '#if A\nint f() {',
      'R"x(never closed',
      '#define X \\',
    ]) {
      expect(clean(text).length).toBe(text.length);
    }
  });
});

describe('conditional branches', () => {
  it('keeps every branch that stands on its own, so each platform’s function is found', () => {
    const text = ['#ifdef _WIN32', 'int f() { return 1; }', '#else', 'int f() { return 2; }', '#endif'].join(
      '\n',
    );
    expect(cleanLines(text)).toEqual(['', 'int f() { return 1; }', '', 'int f() { return 2; }', '']);
  });

  it('keeps one branch where each opens a brace, and drops the others', () => {
    const text = ['#if A', 'void f(int a) {', '#else', 'void f() {', '#endif', '  g();', '}'].join('\n');
    expect(cleanLines(text)).toEqual(['', 'void f(int a) {', '', '', '', '  g();', '}']);
  });

  it('keeps one of two branches that each go on with the `if` before them', () => {
    const text = [
      'int f(int a) {',
      '  if (a) {',
      '  }',
      '#ifdef X',
      '  else if (b) {',
      '  } else {',
      '  }',
      '#else',
      '  else {',
      '  }',
      '#endif',
      '  return a;',
      '}',
    ].join('\n');
    const lines = cleanLines(text);
    expect(lines.slice(4, 7)).toEqual(['  else if (b) {', '  } else {', '  }']);
    expect(lines.slice(7, 11)).toEqual(['', '', '', '']);
  });

  it('keeps one of several class heads that each end in `:` before the shared bases', () => {
    const text = [
      '#ifdef V',
      'struct task<R(A...)>:',
      '#else',
      'struct task<R()>:',
      '#endif',
      '  base<R> {',
      '};',
    ].join('\n');
    expect(cleanLines(text)).toEqual(['', 'struct task<R(A...)>:', '', '', '', '  base<R> {', '};']);
  });

  it('keeps one of two function heads that share a body', () => {
    const text = ['#ifdef W', 'int f(wchar_t* p)', '#else', 'int f(char* p)', '#endif', '{ return 0; }'].join(
      '\n',
    );
    expect(cleanLines(text)).toEqual(['', 'int f(wchar_t* p)', '', '', '', '{ return 0; }']);
  });

  it('chooses consistently: a condition assumed true stays true, its negation false', () => {
    const text = [
      '#ifndef NO_NS',
      'namespace a {',
      '#endif',
      'int f() { return 1; }',
      '#if !defined(NO_NS)',
      '}',
      '#endif',
      '#ifdef NO_NS',
      '}',
      '#else',
      'int g() {',
      '#endif',
      'return 2; }',
    ].join('\n');
    expect(cleanLines(text)).toEqual([
      '',
      'namespace a {',
      '',
      'int f() { return 1; }',
      '',
      '}',
      '',
      '',
      '',
      '',
      'int g() {',
      '',
      'return 2; }',
    ]);
  });

  it('sets aside what a compiler would: #if 0, the C side of __cplusplus in C++, Objective-C', () => {
    const text = [
      '#if 0',
      'int dead() {',
      '#endif',
      '#ifdef __cplusplus',
      'extern "C" {',
      '#endif',
      '#if defined(__OBJC__)',
      '@interface X : NSObject { int a; } @end',
      '#endif',
    ].join('\n');
    expect(cleanLines(text, 'cpp')).toEqual(['', '', '', '', 'extern "C" {', '', '', '', '']);
    // A C header's C++ part is code too (its C++ callers compile it): kept like any other branch.
    expect(cleanLines(text, 'c')).toEqual(['', '', '', '', 'extern "C" {', '', '', '', '']);
  });

  it('reports the groups reduced to one branch, with the lines set aside', () => {
    const text = ['void f() {', '#if A', '  if (a) {', '#else', '  if (b) {', '#endif', '  }', '}'].join(
      '\n',
    );
    const { reduced } = prepare(text, 'cpp', lineStarts(text));
    expect(reduced).toEqual([{ start: 1, end: 5, dropped: [[4, 4]], mayHoldDefinitions: true }]);
  });

  it('does not overflow the stack on thousands of nested #if', () => {
    const depth = 3000;
    const text = `${'#if A\n'.repeat(depth)}int f() { return 1; }\n${'#endif\n'.repeat(depth)}`;
    expect(clean(text)).toContain('int f() { return 1; }');
  });
});

describe('macros the grammar cannot expand', () => {
  it('blanks macro lines between declarations and keeps the declarations', () => {
    const text = ['LIB_NAMESPACE_BEGIN', 'namespace detail {', 'int f();', '}', 'LIB_NAMESPACE_END'].join(
      '\n',
    );
    expect(cleanLines(text)).toEqual(['', 'namespace detail {', 'int f();', '}', '']);
  });

  it('keeps a macro that heads a function body: TEST(a, b) and SYSCALL_DEFINE', () => {
    const text = ['TEST(Suite, Case)', '{', '  EXPECT_TRUE(x);', '}'].join('\n');
    expect(clean(text)).toBe(text);
  });

  it('keeps an upper-case return type above its function (DWORD WINAPI f())', () => {
    const text = ['DWORD', 'WINAPI', 'ThreadProc(LPVOID p)', '{', '  return 0;', '}'].join('\n');
    expect(cleanLines(text)[2]).toBe('ThreadProc(LPVOID p)');
  });

  it('removes macros from class heads and keeps the class name', () => {
    expect(clean('class LIB_EXPORT Widget : public Base {};')).toBe(
      'class            Widget : public Base {};',
    );
    expect(clean('struct ATTR(8) Frame final {};')).toBe('struct         Frame final {};');
    expect(clean('ALIGN_DECL(struct) Frame {};')).toBe('           struct  Frame {};');
  });

  it('leaves a struct variable alone: `struct stat st;` has two names but no body', () => {
    const text = 'struct stat st; struct foo bar = {0};';
    expect(clean(text)).toBe(text);
  });

  it('respells Qt access labels and drops Q_OBJECT', () => {
    const text = [
      'class D {',
      '  Q_OBJECT',
      'public slots:',
      '  void a() {}',
      'signals:',
      '  void b();',
      '};',
    ].join('\n');
    expect(cleanLines(text)).toEqual([
      'class D {',
      '',
      'public      :',
      '  void a() {}',
      'public :',
      '  void b();',
      '};',
    ]);
  });

  it('removes macros between a head and its body, and before declaration keywords', () => {
    for (const [text, macro] of [
      ['void f() const LIB_NOEXCEPT {}', 'LIB_NOEXCEPT'],
      ['LIB_INLINE static int g() { return 1; }', 'LIB_INLINE'],
      ['int h() ABSL_LOCKS_EXCLUDED(mu);', 'ABSL_LOCKS_EXCLUDED(mu)'],
      ['T* p ABSL_GUARDED_BY(mu) = nullptr;', 'ABSL_GUARDED_BY(mu)'],
    ] as const) {
      expect(clean(text)).toBe(without(text, macro));
    }
  });

  it('keeps a function whose upper-case name only looks like an attribute', () => {
    const text = 'int GET_API(void) { return 1; }';
    expect(clean(text)).toBe(text);
  });

  it('turns try/catch macros in a body into plain blocks', () => {
    const text = [
      'int f() {',
      '  LIB_TRY {',
      '    g();',
      '  } LIB_CATCH(const E& e) {',
      '    h();',
      '  }',
      '}',
    ].join('\n');
    expect(clean(text)).toBe(without(text, 'LIB_TRY', 'LIB_CATCH(const E& e)'));
  });

  it('turns a macro block after a label or a case into a plain block', () => {
    const text = [
      'void f(int k) {',
      '  retry:',
      '    LIB_YIELD {',
      '      g();',
      '    }',
      '  switch (k) {',
      '    case kind::a: {',
      '      LIB_TRY {',
      '        h();',
      '      } LIB_CATCH(E&) {',
      '      }',
      '    }',
      '  }',
      '}',
    ].join('\n');
    expect(clean(text)).toBe(without(text, 'LIB_YIELD', 'LIB_TRY', 'LIB_CATCH(E&)'));
  });

  it('respells a macro that initialises a member in a constructor as `{}`', () => {
    const text = 'struct b { b() noexcept : v_(0), l_ LIB_LOCK_INIT, w_{1} {} T v_; };';
    expect(clean(text)).toBe(text.replace('LIB_LOCK_INIT', '{}           '));
    const head = 'struct b { b() LIB_NOEXCEPT: l_ LIB_LOCK_INIT\n {} };';
    expect(clean(head)).toBe(
      head.replace('LIB_NOEXCEPT', ' '.repeat(12)).replace('LIB_LOCK_INIT', '{}           '),
    );
    // A base class after `:` is not a member, and a bit-field width is not an initialiser.
    const base = 'class c : public LIB_BASE_NAME {};';
    expect(clean(base)).toBe(base);
    const bits = 'struct s { unsigned a : LIB_BITS, b : 2; };';
    expect(clean(bits)).toBe(bits);
  });

  it('blanks Microsoft __asm blocks and lines but keeps GCC asm', () => {
    const text = [
      'int f(long* x) {',
      '  __asm {',
      '    mov edx, x;',
      '    lock bts [edx], eax',
      '  };',
      '  __asm pause',
      '  __asm__ volatile("pause");',
      '}',
    ].join('\n');
    expect(cleanLines(text)).toEqual([
      'int f(long* x) {',
      '        {',
      '',
      '',
      '  };',
      '',
      '  __asm__ volatile("pause");',
      '}',
    ]);
  });

  it('keeps the type of a macro that stands for one: BOOST_RV_REF(T) x', () => {
    expect(clean('void f(BOOST_RV_REF(T) x) {}')).toBe('void f(BOOST_RV_REF    x) {}');
  });

  it('blanks every preprocessor line, so none can break an expression', () => {
    const text = ['int t[] = {', '#define E(n) n,', '  E(1)', '#undef E', '};'].join('\n');
    expect(cleanLines(text)).toEqual(['int t[] = {', '', '  E(1)', '', '};']);
  });
});
