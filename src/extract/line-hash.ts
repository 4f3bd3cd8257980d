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
const OUTGOING = (() => {
  const value = (37n ** BigInt(BLOCK)) & 0xffff_ffff_ffff_ffffn;
  return { hi: Number(value >> 32n), lo: Number(value & 0xffff_ffffn) };
})();

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
  // Occurrences so far of each hash, keyed by its halves: no string is built for lines nobody wants.
  const seen = new Map<number, Map<number, number>>();
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
  let done = false;

  const emit = () => {
    let byLo = seen.get(hi);
    if (!byLo) {
      byLo = new Map();
      seen.set(hi, byLo);
    }
    const n = (byLo.get(lo) ?? 0) + 1;
    byLo.set(lo, n);
    const emitted = startsLine[slot]!;
    if (wanted(emitted)) {
      const hex = hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
      out.set(emitted, `${hex}:${n}`);
    }
    if (emitted >= upTo) done = true;
    startsLine[slot] = 0;
  };

  /**
   * hash = 37·hash + code − 37^BLOCK·outgoing (mod 2^64), and the window moves on. Math.imul gives each
   * product's low 32 bits exactly; the carries come from the exact double products (under 2^48).
   */
  const push = (code: number) => {
    const outgoing = window[slot]!;
    window[slot] = code;
    let nextLo = (Math.imul(lo, 37) >>> 0) + code;
    let nextHi = Math.imul(hi, 37) + (((lo * 37) / TWO_32) | 0);
    if (nextLo >= TWO_32) {
      nextLo -= TWO_32;
      nextHi += 1;
    }
    if (outgoing !== 0) {
      nextLo -= Math.imul(OUTGOING.lo, outgoing) >>> 0;
      nextHi -= Math.imul(OUTGOING.hi, outgoing) + (((OUTGOING.lo * outgoing) / TWO_32) | 0);
      if (nextLo < 0) {
        nextLo += TWO_32;
        nextHi -= 1;
      }
    }
    lo = nextLo;
    hi = nextHi >>> 0;
    slot = slot === BLOCK - 1 ? 0 : slot + 1;
  };

  const feed = (raw: number) => {
    let code = raw;
    if (code === SPACE || code === TAB || (afterCr && code === LF)) {
      afterCr = false;
      return;
    }
    afterCr = code === CR;
    if (afterCr) code = LF;
    if (startsLine[slot] !== 0) emit();
    if (atLineStart) {
      atLineStart = false;
      startsLine[slot] = ++line;
    }
    if (code === LF) atLineStart = true;
    push(code);
  };

  for (let i = 0; i < text.length && !done; i++) feed(text.charCodeAt(i));
  if (!done) feed(END_OF_FILE);
  for (let i = 0; i < BLOCK && !done; i++) {
    if (startsLine[slot] !== 0) emit();
    push(0);
  }
  return out;
}

/** `lineHashes` of a file's bytes, decoded as upload-sarif decodes the file it reads from disk. */
export function lineHashesOfBytes(
  bytes: Uint8Array,
  wanted: (line: number) => boolean,
  upTo?: number,
): Map<number, string> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return lineHashes(text, wanted, upTo);
}
