import { describe, expect, it } from 'vitest';
import { LineHashes, lineHashes, lineHashesOfBytes } from '../../src/extract/line-hash.ts';

/** Every line's hash, in line order. */
const all = (text: string) => [...lineHashes(text).entries()].sort((a, b) => a[0] - b[0]).map(([, h]) => h);

// The expected values are github/codeql-action's own test vectors for the hash that upload-sarif writes
// as partialFingerprints.primaryLocationLineHash (src/fingerprints.test.ts, test "hash"): matching them is
// what makes our value the one code scanning would compute from the file on disk.
describe('lineHashes (GitHub primaryLocationLineHash)', () => {
  it("reproduces codeql-action's published vectors", () => {
    expect(all('')).toEqual(['c129715d7a2bc9a3:1']);
    expect(all(' a\nb\n  \t\tc\n d')).toEqual([
      '271789c17abda88f:1',
      '54703d4cd895b18:1',
      '180aee12dab6264:1',
      'a23a3dc5e078b07b:1',
    ]);
    expect(all(' hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End')).toEqual([
      '8b7cf3e952e7aeb2:1',
      'b1ae1287ec4718d9:1',
      'bff680108adb0fcc:1',
      'c6805c5e1288b612:1',
      'b86d3392aea1be30:1',
      'e6ceba753e1a442:1',
    ]);
    const ending = [
      'e9496ae3ebfced30:1',
      'fb7c023a8b9ccb3f:1',
      'ce8ba1a563dcdaca:1',
      'e20e36e16fcb0cc8:1',
      'b3edc88f2938467e:1',
      'c8e28b0b4002a3a0:1',
      'c129715d7a2bc9a3:1',
    ];
    // LF, CR, CRLF and mixed line ends hash alike.
    expect(all(' hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n')).toEqual(ending);
    expect(all(' hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r')).toEqual(ending);
    expect(all(' hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n')).toEqual(ending);
    expect(all(' hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n')).toEqual(ending);
    // Identical stretches are told apart by their occurrence count.
    expect(all('Lorem ipsum dolor sit amet.\n'.repeat(10))).toEqual([
      'a7f2ff13bc495cf2:1',
      'a7f2ff13bc495cf2:2',
      'a7f2ff13bc495cf2:3',
      'a7f2ff13bc495cf2:4',
      'a7f2ff13bc495cf2:5',
      'a7f2ff13bc495cf2:6',
      'a7f2ff1481e87703:1',
      'a9cf91f7bbf1862b:1',
      '55ec222b86bcae53:1',
      'cc97dc7b1d7d8f7b:1',
      'c129715d7a2bc9a3:1',
    ]);
    expect(all('x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n')).toEqual([
      'e54938cc54b302f1:1',
      'bb609acbe9138d60:1',
      '1131fd5871777f34:1',
      '5c482a0f8b35ea28:1',
      '54517377da7028d2:1',
      '2c644846cb18d53e:1',
      'f1b89f20de0d133:1',
      'c129715d7a2bc9a3:1',
    ]);
  });

  it('is stable under edits elsewhere in the file, and changes when the line itself does', () => {
    const body = Array.from({ length: 40 }, (_, i) => `  int v${i} = ${i};`).join('\n');
    const file = `#include <string.h>\n\nvoid f(char *d, const char *s) {\n  strcpy(d, s);\n}\n\n${body}\n`;
    const line = 4;
    const before = lineHashes(file).get(line);
    // Lines added above shift the line number; the hash of the line that moved is the same.
    const edited = `/* header */\n#define X 1\n${file}`.replace('int v39 = 39;', 'int v39 = 40;');
    expect(lineHashes(edited).get(line + 2)).toBe(before);
    expect(lineHashes(file.replace('strcpy(d, s)', 'strncpy(d, s, 8)')).get(line)).not.toBe(before);
  });

  it('keeps only wanted lines and can stop early, with the same values', () => {
    const text = 'a\nb\nc\nd\ne\n'.repeat(50);
    const full = lineHashes(text);
    const some = lineHashes(text, (l) => l === 7 || l === 120, 120);
    expect([...some.keys()]).toEqual([7, 120]);
    expect(some.get(120)).toBe(full.get(120));
  });

  it('decodes bytes as upload-sarif reads a file: invalid UTF-8 becomes U+FFFD, a BOM stays', () => {
    const latin1 = Uint8Array.from([...Buffer.from('/* caf'), 0xe9, ...Buffer.from(' */\nint x;\n')]);
    expect(lineHashesOfBytes(latin1, () => true).get(1)).toBe(lineHashes('/* caf\ufffd */\nint x;\n').get(1));
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from('int x;\n')]);
    expect(lineHashesOfBytes(bom, () => true).get(1)).toBe(lineHashes('\ufeffint x;\n').get(1));
    expect(lineHashesOfBytes(bom, () => true).get(1)).not.toBe(lineHashes('int x;\n').get(1));
  });

  it('keeps the same values as numbers (LineHashes) for the lines flagged, up to the last asked for', () => {
    // repeated stretches (counters past 1), blank and whitespace-only lines, CR, CRLF and a trailing line
    const unit = 'int f(void)\r\n{\n\treturn 0;\r}\n\n   \n';
    const text = `${unit.repeat(40)}/* tail */\nint x;`;
    const full = lineHashes(text);
    const lines = full.size;
    const wanted = new Uint8Array(lines + 1);
    for (let line = 1; line <= lines; line += 3) wanted[line] = 1;
    for (const last of [lines, 100, 1]) {
      const kept = new LineHashes(text, wanted, last);
      for (let line = 0; line <= lines + 2; line++) {
        const expected = line >= 1 && line <= last && wanted[line] === 1 ? full.get(line) : undefined;
        expect(kept.get(line), `line ${line} of ${last}`).toBe(expected);
      }
    }
    expect(full.get(7)).toMatch(/:\d+$/);
    // the counters did climb (stretches repeat until the last ones run into the tail)
    expect(Math.max(...[...full.values()].map((h) => Number(h.split(':')[1])))).toBeGreaterThan(30);
  });

  it('counts occurrences exactly past many distinct hashes (the table grows)', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i % 1700}`).join('\n');
    const full = lineHashes(text);
    const wanted = new Uint8Array(5001).fill(1);
    const kept = new LineHashes(text, wanted, 5000);
    const counts = new Map<string, number>();
    for (let line = 1; line <= 5000; line++) {
      expect(kept.get(line)).toBe(full.get(line));
      const [hash, n] = full.get(line)!.split(':');
      counts.set(hash!, (counts.get(hash!) ?? 0) + 1);
      expect(Number(n)).toBe(counts.get(hash!));
    }
  });
});
