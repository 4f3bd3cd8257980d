import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { languageOf, looksLikeCpp } from '../../src/extract/language.ts';

const load = (name: string) => readFileSync(new URL(`../testdata/extract/${name}`, import.meta.url), 'utf8');

describe('languageOf', () => {
  it('maps extensions', () => {
    expect(languageOf('a/b.c')).toBe('c');
    for (const ext of ['cc', 'cpp', 'cxx', 'c++', 'hpp', 'hh', 'hxx', 'ipp', 'inl', 'tpp', 'CPP']) {
      expect(languageOf(`src/x.${ext}`), ext).toBe('cpp');
    }
    expect(languageOf('src/legacy.C')).toBe('cpp');
  });

  it('ignores other files', () => {
    for (const path of ['README.md', 'Makefile', 'src/x.py', 'a.c.orig', 'c', '.c', 'dir.c/file']) {
      expect(languageOf(path), path).toBeUndefined();
    }
  });

  it('reads a .h as C unless it uses C++ syntax', () => {
    expect(languageOf('guard.h', load('guard_c.h'))).toBe('c');
    expect(languageOf('ring.h', load('cpp_header.h'))).toBe('cpp');
    expect(languageOf('nothing.h')).toBe('c');
  });
});

describe('looksLikeCpp', () => {
  it.each([
    ['namespace ns {', true],
    ['namespace {', true],
    ['template <class T> T id(T v);', true],
    ['int x = std::max(1, 2);', true],
    ['class Widget {\n public:\n  int w;\n};', true],
    ['class Derived : public Base {};', true],
    ['bool operator==(const A&, const A&);', true],
    ['#include <vector>', true],
    ['using namespace std;', true],
    ['#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n#ifdef __cplusplus\n}\n#endif', false],
    ['/* see std::vector */ int f(void); // template<', false],
    ['const char *s = "a::b namespace x {";', false],
    ['[[gnu::unused]] static int x;', false],
    ['struct point { int x, y; };\nint class_count;', false],
    ['#include <stdio.h>', false],
  ])('%j → %s', (text, cpp) => {
    expect(looksLikeCpp(text)).toBe(cpp);
  });

  it('looks through the whole of a long header', () => {
    const c = 'int f(int x);\n'.repeat(3000);
    expect(looksLikeCpp(`${c}namespace late {\n}\n`)).toBe(true);
    expect(looksLikeCpp(`${c}// late std::vector mention\n`)).toBe(false);
    expect(looksLikeCpp(`/* unterminated ${c} class X { public: }`)).toBe(false);
  });
});
