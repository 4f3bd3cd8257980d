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

/**
 * The text with comments and string/character literals blanked, so `// see std::vector` or `"a::b"`
 * do not count as C++. A hand-written scan: a regex alternation over a large header costs several times
 * more than parsing decisions here should.
 */
function codeOnly(text: string): string {
  const parts: string[] = [];
  let from = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      parts.push(text.slice(from, i), ' ');
      const end = text.indexOf('\n', i);
      i = end < 0 ? n : end;
      from = i;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      parts.push(text.slice(from, i), ' ');
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      from = i;
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      parts.push(text.slice(from, i), ' ');
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \\ */) i += 2;
        else if (d === c || d === 10) {
          i++;
          break;
        } else i++;
      }
      from = i;
    } else {
      i++;
    }
  }
  parts.push(text.slice(from));
  // C23 attributes (`[[gnu::unused]]`) may contain `::` too.
  return parts.join('').replace(/\[\[[^\]]*\]\]/g, ' ');
}

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
  /^\s*(?:public|protected)\s*:/m, // an access label on its own line, whatever the class head holds
];

const HEAD_CHARS = 16 * 1024;

/** True when a header's text uses syntax only C++ has (see CPP_SYNTAX). */
export function looksLikeCpp(text: string): boolean {
  // Most C headers match none of the patterns even with their comments in: no need to strip those.
  if (!CPP_SYNTAX.some((pattern) => pattern.test(text))) return false;
  // C++ headers usually show it early: look at the head first, the whole text only if needed.
  const head = codeOnly(text.slice(0, HEAD_CHARS));
  if (CPP_SYNTAX.some((pattern) => pattern.test(head))) return true;
  if (text.length <= HEAD_CHARS) return false;
  const code = codeOnly(text);
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
