import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSource, isBinary } from '../../src/extract/decode.ts';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('decodeSource', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    const utf8 = new TextEncoder().encode('int café;\n');
    expect(decodeSource(utf8)).toEqual({ text: 'int café;\n', lossy: false });
    expect(decodeSource(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))).toEqual({
      text: 'int café;\n',
      lossy: false,
    });
  });

  it('falls back to latin1 for invalid UTF-8, keeping every line', () => {
    const raw = readFileSync(new URL('../testdata/extract/latin1.c', import.meta.url));
    const { text, lossy } = decodeSource(raw);
    expect(lossy).toBe(true);
    expect(text).toContain('François');
    expect(text.split('\n')).toHaveLength(raw.toString('latin1').split('\n').length);
  });

  it('never throws on arbitrary bytes', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeSource(all).text).toHaveLength(256);
    expect(decodeSource(bytes()).text).toBe('');
  });
});

describe('isBinary', () => {
  it('is true when a NUL byte appears in the first 8000 bytes, like git', () => {
    expect(isBinary(bytes(0x69, 0x6e, 0x74, 0x00))).toBe(true);
    expect(isBinary(new TextEncoder().encode('int x;\n'))).toBe(false);
    const late = new Uint8Array(9000).fill(0x20);
    late[8500] = 0;
    expect(isBinary(late)).toBe(false);
    late[7999] = 0;
    expect(isBinary(late)).toBe(true);
  });
});
