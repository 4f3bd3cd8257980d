// GitHub code scanning's `primaryLocationLineHash`: the key it tracks an alert by from one analysis to the
// next. upload-sarif computes it only when it can open the file on disk; vulnreview often reads files
// through the API, so it computes the value itself, from the same bytes, the way GitHub documents it
// (github/codeql-action src/fingerprints.ts describes the algorithm; this is an independent
// implementation of that description, checked against its published test vectors):
//
// - the file is read as UTF-8 text (invalid bytes become U+FFFD, a BOM stays a character) and walked by
//   UTF-16 code unit; spaces and tabs are skipped, CR and CRLF count as LF;
// - a line's hash is a polynomial rolling hash (base 37, 64-bit wrap-around) over the 100 characters that
//   start at its first non-blank character, so it spans into the following lines and changes only when
//   that stretch of text does, never because of edits elsewhere in the file;
// - one end-of-file character (65535) follows the text, then zeros fill the last windows;
// - the value is the unsigned hash in hex, then `:N` where N counts that hash's occurrences so far, so
//   identical stretches (repeated code) get distinct keys in file order.

const BLOCK = 100;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const END_OF_FILE = 0xffff;
const TWO_32 = 0x1_0000_0000;

/** 37^BLOCK modulo 2^64, split into 32-bit halves: the weight of the character leaving the window. */
const OUTGOING = (37n ** BigInt(BLOCK)) & 0xffff_ffff_ffff_ffffn;
const OUTGOING_HI = Number(OUTGOING >> 32n);
const OUTGOING_LO = Number(OUTGOING & 0xffff_ffffn);

/** A hash's occurrence counts, by its two halves: open addressing in typed arrays, no object per hash. */
class OccurrenceCounts {
  private his = new Uint32Array(1024);
  private los = new Uint32Array(1024);
  /** 0 marks an empty slot: every stored count is at least 1. */
  private counts = new Uint32Array(1024);
  private size = 0;

  /** Counts one more occurrence of the hash hi:lo and returns how many there have been. */
  add(hi: number, lo: number): number {
    const mask = this.counts.length - 1;
    // lo's low bits depend on few characters (base 37): mix both halves before masking.
    let i = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
    i = (i ^ (i >>> 15)) & mask;
    for (;;) {
      const n = this.counts[i]!;
      if (n === 0) {
        this.his[i] = hi;
        this.los[i] = lo;
        this.counts[i] = 1;
        if (++this.size * 2 > mask) this.grow();
        return 1;
      }
      if (this.los[i] === lo && this.his[i] === hi) {
        this.counts[i] = n + 1;
        return n + 1;
      }
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { his, los, counts } = this;
    this.his = new Uint32Array(counts.length * 2);
    this.los = new Uint32Array(counts.length * 2);
    this.counts = new Uint32Array(counts.length * 2);
    const mask = this.counts.length - 1;
    for (let j = 0; j < counts.length; j++) {
      if (counts[j] === 0) continue;
      let i = Math.imul(los[j]! ^ Math.imul(his[j]!, 0x9e3779b1), 0x85ebca6b);
      i = (i ^ (i >>> 15)) & mask;
      while (this.counts[i] !== 0) i = (i + 1) & mask;
      this.his[i] = his[j]!;
      this.los[i] = los[j]!;
      this.counts[i] = counts[j]!;
    }
  }
}

/** GitHub's text of a hash and its occurrence count: `5c482a0f8b35ea28:2`. */
function formatHash(hi: number, lo: number, n: number): string {
  const hex = hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
  return `${hex}:${n}`;
}

/**
 * Hashes every line of `text` in order and hands each to `record` (1-based line, the hash's halves, its
 * occurrence count), stopping once line `upTo` has been handed over.
 */
function hashLines(
  text: string,
  upTo: number,
  record: (line: number, hi: number, lo: number, n: number) => void,
): void {
  const seen = new OccurrenceCounts();
  const window = new Uint16Array(BLOCK);
  // The line that starts at each window slot, 0 for none.
  const startsLine = new Int32Array(BLOCK);
  let slot = 0;
  let line = 0;
  let atLineStart = true;
  let afterCr = false;
  // The 64-bit hash as two unsigned 32-bit halves; every step stays exact in doubles.
  let hi = 0;
  let lo = 0;
  // One step per character, written out in one loop: this runs over every character of every file.
  const end = text.length;
  for (let i = 0; i <= end + BLOCK; i++) {
    let code: number;
    if (i < end) {
      code = text.charCodeAt(i);
      if (code === SPACE || code === TAB || (afterCr && code === LF)) {
        afterCr = false;
        continue;
      }
      afterCr = code === CR;
      if (afterCr) code = LF;
    } else {
      // then the end-of-file character, then zeros to flush the last windows
      code = i === end ? END_OF_FILE : 0;
    }
    const starting = startsLine[slot]!;
    if (starting !== 0) {
      record(starting, hi, lo, seen.add(hi, lo));
      if (starting >= upTo) return;
      startsLine[slot] = 0;
    }
    if (i <= end) {
      if (atLineStart) {
        atLineStart = false;
        startsLine[slot] = ++line;
      }
      if (code === LF) atLineStart = true;
    }
    // hash = 37·hash + code − 37^BLOCK·outgoing (mod 2^64), and the window moves on. Math.imul gives
    // each product's low 32 bits exactly; the carries come from the exact double products (under 2^48).
    const outgoing = window[slot]!;
    window[slot] = code;
    let nextLo = (Math.imul(lo, 37) >>> 0) + code;
    let nextHi = Math.imul(hi, 37) + (((lo * 37) / TWO_32) | 0);
    if (nextLo >= TWO_32) {
      nextLo -= TWO_32;
      nextHi += 1;
    }
    if (outgoing !== 0) {
      nextLo -= Math.imul(OUTGOING_LO, outgoing) >>> 0;
      nextHi -= Math.imul(OUTGOING_HI, outgoing) + (((OUTGOING_LO * outgoing) / TWO_32) | 0);
      if (nextLo < 0) {
        nextLo += TWO_32;
        nextHi -= 1;
      }
    }
    lo = nextLo;
    hi = nextHi >>> 0;
    slot = slot === BLOCK - 1 ? 0 : slot + 1;
  }
}

/**
 * The line hashes of `text` for the lines `wanted` accepts (1-based line numbers), as GitHub computes
 * them. Every line is hashed (the `:N` counters depend on all earlier lines); only wanted ones are kept,
 * and the walk stops after the last line `upTo` when given.
 */
export function lineHashes(
  text: string,
  wanted: (line: number) => boolean = () => true,
  upTo = Number.POSITIVE_INFINITY,
): Map<number, string> {
  const out = new Map<number, string>();
  hashLines(text, upTo, (line, hi, lo, n) => {
    if (wanted(line)) out.set(line, formatHash(hi, lo, n));
  });
  return out;
}

/**
 * Some lines' hashes, worked out on the first question and kept as numbers, written out only when asked.
 * A scan may need the hash of any line inside a changed function, but the SARIF file asks only for the
 * few that findings point at, and files without a finding never ask: their text is never hashed.
 */
export class LineHashes {
  /** What to hash, until the first question. */
  private pending: { text: string; wanted: Uint8Array; last: number } | undefined;
  private his = new Uint32Array(0);
  private los = new Uint32Array(0);
  /** 0 for a line not kept. */
  private counts = new Uint32Array(0);

  /**
   * The hashes of `text`'s lines 1..last flagged 1 in `wanted` (indexed by line), as `lineHashes` gives
   * them. Lines after `last` are not hashed. `text` is kept until the first `get`.
   */
  constructor(text: string, wanted: Uint8Array, last: number) {
    this.pending = { text, wanted, last };
  }

  get(line: number): string | undefined {
    if (this.pending) this.hash(this.pending);
    const n = this.counts[line];
    return n ? formatHash(this.his[line]!, this.los[line]!, n) : undefined;
  }

  private hash({ text, wanted, last }: { text: string; wanted: Uint8Array; last: number }): void {
    this.pending = undefined;
    const size = Math.min(last, wanted.length - 1) + 1;
    const his = new Uint32Array(size);
    const los = new Uint32Array(size);
    const counts = new Uint32Array(size);
    hashLines(text, last, (line, hi, lo, n) => {
      if (line >= size || wanted[line] !== 1) return;
      his[line] = hi;
      los[line] = lo;
      counts[line] = n;
    });
    this.his = his;
    this.los = los;
    this.counts = counts;
  }
}

/** A file's bytes decoded as upload-sarif decodes the file it reads from disk (a BOM is a character). */
export function lineHashText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** `lineHashes` of a file's bytes, decoded as upload-sarif decodes the file it reads from disk. */
export function lineHashesOfBytes(
  bytes: Uint8Array,
  wanted: (line: number) => boolean,
  upTo?: number,
): Map<number, string> {
  return lineHashes(lineHashText(bytes), wanted, upTo);
}
