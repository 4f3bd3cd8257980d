// Source files arrive as bytes from git or the GitHub API, in whatever encoding their authors used.
import { isUtf8 } from 'node:buffer';

const BINARY_PROBE_BYTES = 8000;

/** Git's rule: a NUL byte in the first 8000 bytes makes a file binary. */
export function isBinary(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, BINARY_PROBE_BYTES);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return true;
  return false;
}

/**
 * Decodes a source file. Valid UTF-8 (a BOM is dropped) decodes as such; anything else is read as
 * latin1, which maps every byte to one character and so never shifts a line number or throws. A file
 * that is not UTF-8 is almost always in a single-byte legacy encoding, so the whole file falls back,
 * not just the invalid sequences. `lossy` tells the caller that characters may be wrong.
 */
export function decodeSource(bytes: Uint8Array): { text: string; lossy: boolean } {
  const hasBom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = Buffer.from(
    bytes.buffer,
    bytes.byteOffset + (hasBom ? 3 : 0),
    bytes.byteLength - (hasBom ? 3 : 0),
  );
  // isUtf8 + toString is many times faster than a fatal TextDecoder, which goes through ICU.
  if (isUtf8(body)) return { text: body.toString('utf8'), lossy: false };
  return { text: body.toString('latin1'), lossy: true };
}
