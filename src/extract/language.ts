// Which grammar a file is parsed with. Extensions decide, except for `.h`, which C and C++ share.
import type { Lang } from '../types.ts';

const BY_EXTENSION: Record<string, Lang> = {
  c: 'c',
  cc: 'cpp',
  cpp: 'cpp',
  cxx: 'cpp',
  'c++': 'cpp',
  hpp: 'cpp',
  hh: 'cpp',
  hxx: 'cpp',
  ipp: 'cpp',
  inl: 'cpp',
  tpp: 'cpp',
};

// Comments, string and character literals, and C23 `[[attributes]]` (which may contain `::`) are blanked
// before looking for C++ syntax, so `// see std::vector` or `"a::b"` do not count.
const NOISE = /\/\*[\s\S]*?\*\/|\/\/[^\n]*|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|\[\[[\s\S]*?\]\]/g;

// Syntax that C does not have. `extern "C"` is deliberately absent: the usual
// `#ifdef __cplusplus / extern "C" { / #endif` guard is how C headers make themselves usable from C++.
const CPP_SYNTAX = [
  /\bnamespace\s+[\w:]*\s*\{/, // namespace ns {  /  namespace {
  /\busing\s+namespace\b/,
  /\btemplate\s*</,
  /::/, // scope resolution
  /\b(?:class|struct)\s+\w+[^;{()]*\{[^}]*\b(?:public|private|protected)\s*:/, // access specifiers
  /\bclass\s+\w+\s*(?:final\s*)?[:{]/, // class X { / class X : Base
  /\boperator\s*(?:[-+*/%^&|~!=<>,[(]|new\b|delete\b)/,
  /^\s*#\s*include\s*<[a-z_]+>/m, // <vector>, <cstdio>: standard C++ headers have no extension
];

/** True when a header's text uses syntax only C++ has (see CPP_SYNTAX). */
export function looksLikeCpp(text: string): boolean {
  const code = text.replace(NOISE, ' ');
  return CPP_SYNTAX.some((pattern) => pattern.test(code));
}

/**
 * The language of a file, or undefined for files that are not C or C++. `.h` is C++ when its text uses
 * C++ syntax (looksLikeCpp) and C otherwise, including when no text is given.
 */
export function languageOf(path: string, text?: string): Lang | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const ext = base.slice(dot + 1).toLowerCase();
  if (ext === 'h') return text !== undefined && looksLikeCpp(text) ? 'cpp' : 'c';
  // `.C` (capital) is C++ by long Unix convention; lower-case `.c` is C.
  if (base.slice(dot + 1) === 'C') return 'cpp';
  return BY_EXTENSION[ext];
}
