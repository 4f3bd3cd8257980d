// A C/C++ token scanner for the preprocessor-aware pass: just enough to see identifiers, punctuation and
// preprocessor lines, with comments and literals stepped over so that a `{` in a string or a `#if` in a
// comment never counts. Written as one charCodeAt loop into typed arrays: it runs on every file before
// tree-sitter does and must cost a small fraction of the parse.

export enum Tok {
  Ident = 1,
  Number = 2,
  /** String, character and raw string literals, with any encoding prefix. */
  Literal = 3,
  Punct = 4,
  /** A whole preprocessor line, continuation lines and comments in it included. */
  Directive = 5,
}

/** What a Directive token is. */
export enum Dir {
  If = 1,
  Ifdef = 2,
  Ifndef = 3,
  Elif = 4,
  Else = 5,
  Endif = 6,
  Define = 7,
  Other = 8,
}

export interface Tokens {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** 1 when a line break separates this token from the one before (or it is the first). */
  lineBefore: Uint8Array;
  /** For Directive tokens: Dir; for Punct tokens: the first char code; else 0. */
  sub: Int32Array;
  /** For conditional directives: where the condition text starts (it ends at the token's end). */
  condStart: Int32Array;
}

const DIRECTIVES: Record<string, Dir> = {
  if: Dir.If,
  ifdef: Dir.Ifdef,
  ifndef: Dir.Ifndef,
  elif: Dir.Elif,
  elifdef: Dir.Elif,
  elifndef: Dir.Elif,
  else: Dir.Else,
  endif: Dir.Endif,
  define: Dir.Define,
};

/** 1 for ASCII characters that may continue an identifier (letters, digits, `_`, `$`). */
const IDENT_PART = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36)
    IDENT_PART[c] = 1;
}

function isIdentStart(c: number): boolean {
  return c > 127 || (IDENT_PART[c] === 1 && !(c >= 48 && c <= 57));
}

function isIdentPart(c: number): boolean {
  return c > 127 || IDENT_PART[c] === 1;
}

/**
 * Two-character punctuators that matter to the pass (`::` is not two colons, `->` not a `>`, `==` not
 * an initializer's `=`). `<<`/`>>` stay single so that `vector<vector<int>>` closes twice.
 */
function isPair(c: number, d: number): boolean {
  switch (c) {
    case 58 /* : */:
      return d === 58;
    case 45 /* - */:
      return d === 62 || d === 45 || d === 61;
    case 61 /* = */:
    case 33 /* ! */:
    case 60 /* < */:
    case 62 /* > */:
    case 42 /* * */:
    case 47 /* / */:
    case 37 /* % */:
    case 94 /* ^ */:
      return d === 61;
    case 38 /* & */:
      return d === 38 || d === 61;
    case 124 /* | */:
      return d === 124 || d === 61;
    case 43 /* + */:
      return d === 43 || d === 61;
    default:
      return false;
  }
}

class Builder {
  count = 0;
  kind = new Uint8Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  lineBefore = new Uint8Array(1024);
  sub = new Int32Array(1024);
  condStart = new Int32Array(1024);

  push(kind: Tok, start: number, end: number, newline: boolean, sub = 0, condStart = 0): void {
    if (this.count === this.kind.length) this.grow();
    const i = this.count++;
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end;
    this.lineBefore[i] = newline ? 1 : 0;
    this.sub[i] = sub;
    this.condStart[i] = condStart;
  }

  private grow(): void {
    const size = this.kind.length * 2;
    const grow8 = (a: Uint8Array) => {
      const b = new Uint8Array(size);
      b.set(a);
      return b;
    };
    const grow32 = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.kind = grow8(this.kind);
    this.lineBefore = grow8(this.lineBefore);
    this.start = grow32(this.start);
    this.end = grow32(this.end);
    this.sub = grow32(this.sub);
    this.condStart = grow32(this.condStart);
  }
}

/** End of a `/* … *\/` comment that starts at `at` (the text's length when unterminated). */
function blockCommentEnd(text: string, at: number): number {
  const close = text.indexOf('*/', at + 2);
  return close < 0 ? text.length : close + 2;
}

/** End of a quoted literal whose opening quote is at `at`; a line break ends an unterminated one. */
function quotedEnd(text: string, at: number): number {
  const quote = text.charCodeAt(at);
  const n = text.length;
  let i = at + 1;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i += 2;
    else if (c === quote) return i + 1;
    else if (c === 10) return i;
    else i++;
  }
  return n;
}

/** End of a raw string `R"delim( … )delim"` whose `"` is at `quote`. */
function rawEnd(text: string, quote: number): number {
  const open = text.indexOf('(', quote);
  if (open < 0 || open - quote > 17) return quotedEnd(text, quote);
  const close = text.indexOf(`)${text.slice(quote + 1, open)}"`, open);
  return close < 0 ? text.length : close + (open - quote) + 1;
}

/**
 * End of a preprocessor line starting at `at` (its `#`): the line break that is neither escaped by a
 * backslash nor inside a block comment.
 */
function directiveEnd(text: string, at: number): number {
  const n = text.length;
  let i = at;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      // `\` + LF or `\` + CRLF continues the line.
      const prev = text.charCodeAt(i - 1);
      if (prev === 92 || (prev === 13 && text.charCodeAt(i - 2) === 92)) {
        i++;
        continue;
      }
      return prev === 13 ? i - 1 : i;
    }
    if (c === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 42) {
        i = blockCommentEnd(text, i);
        continue;
      }
      if (next === 47) {
        const eol = text.indexOf('\n', i);
        if (eol < 0) return n;
        // A `//` comment ending in a backslash continues too, but that is rare enough to ignore.
        return text.charCodeAt(eol - 1) === 13 ? eol - 1 : eol;
      }
    }
    if (c === 34 || c === 39) {
      i = quotedEnd(text, i);
      continue;
    }
    i++;
  }
  return n;
}

/** Scans `text` into tokens. Never throws: unterminated comments and literals run to the end. */
export function tokenize(text: string): Tokens {
  const out = new Builder();
  const n = text.length;
  let i = 0;
  let newline = true;
  // At the start of a line (only whitespace or comments so far): a `#` there starts a directive.
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      newline = true;
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      // Runs of indentation are common: skip them without going round the whole loop.
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 32 || d === 9) i++;
        else break;
      }
      continue;
    }
    if (c === 47 /* / */) {
      const next = text.charCodeAt(i + 1);
      if (next === 47) {
        const eol = text.indexOf('\n', i);
        i = eol < 0 ? n : eol;
        continue;
      }
      if (next === 42) {
        const end = blockCommentEnd(text, i);
        const eol = text.indexOf('\n', i);
        if (eol >= 0 && eol < end) {
          newline = true;
          // A `#` after a multi-line comment's end on the same line is not at a line start.
          lineStart = false;
        }
        i = end;
        continue;
      }
    }
    if (c === 35 /* # */ && lineStart) {
      const end = directiveEnd(text, i);
      let j = i + 1;
      while (j < end && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j++;
      const nameStart = j;
      while (j < end && isIdentPart(text.charCodeAt(j))) j++;
      const dir = DIRECTIVES[text.slice(nameStart, j)] ?? Dir.Other;
      out.push(Tok.Directive, i, end, newline, dir, j);
      i = end;
      newline = false;
      lineStart = false;
      continue;
    }
    lineStart = false;
    const start = i;
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      const q = text.charCodeAt(i);
      if (q === 34 || q === 39) {
        // Encoding prefixes glue to their literal: u8"x", L'x', R"d(x)d", u8R"(x)".
        const prefix = text.slice(start, i);
        if (/^(?:u8|u|U|L)?R$/.test(prefix) && q === 34) {
          i = rawEnd(text, i);
          out.push(Tok.Literal, start, i, newline);
          newline = false;
          continue;
        }
        if (/^(?:u8|u|U|L)$/.test(prefix)) {
          i = quotedEnd(text, i);
          out.push(Tok.Literal, start, i, newline);
          newline = false;
          continue;
        }
      }
      out.push(Tok.Ident, start, i, newline);
      newline = false;
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && text.charCodeAt(i + 1) >= 48 && text.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isIdentPart(d) || d === 46) i++;
        // Digit separators (1'000) and exponent signs (1e-5, 0x1p+3).
        else if (d === 39 && isIdentPart(text.charCodeAt(i + 1))) i++;
        else if ((d === 43 || d === 45) && /[eEpP]/.test(text[i - 1]!)) i++;
        else break;
      }
      out.push(Tok.Number, start, i, newline);
      newline = false;
      continue;
    }
    if (c === 34 || c === 39) {
      i = quotedEnd(text, i);
      out.push(Tok.Literal, start, i, newline);
      newline = false;
      continue;
    }
    if (isPair(c, text.charCodeAt(i + 1))) {
      out.push(Tok.Punct, i, i + 2, newline, c);
      i += 2;
    } else {
      out.push(Tok.Punct, i, i + 1, newline, c);
      i++;
    }
    newline = false;
  }
  return {
    count: out.count,
    kind: out.kind,
    start: out.start,
    end: out.end,
    lineBefore: out.lineBefore,
    sub: out.sub,
    condStart: out.condStart,
  };
}
