import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/eval/prng.ts';
import { proportionalQuotas, stratifiedSample } from '../../src/eval/sampling.ts';

/** Class codes shaped like the VDISC test split: 93% non-vulnerable (code 6), the rest spread over 0..4. */
function vdiscLikeCodes(rows: number): Uint8Array {
  const codes = new Uint8Array(rows).fill(6);
  const random = seededRandom(99);
  const shares = [0.037, 0.019, 0.0095, 0.0021, 0.027];
  for (let i = 0; i < rows; i++) {
    let r = random();
    for (let code = 0; code < shares.length; code++) {
      if (r < shares[code]!) {
        codes[i] = code;
        break;
      }
      r -= shares[code]!;
    }
  }
  return codes;
}

const countCodes = (codes: Uint8Array, rows: readonly number[]) => {
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(codes[row]!, (counts.get(codes[row]!) ?? 0) + 1);
  return counts;
};

describe('proportionalQuotas', () => {
  it('adds up exactly and follows largest remainders', () => {
    expect(proportionalQuotas([1, 1, 1], 2)).toEqual([1, 1, 0]);
    expect(proportionalQuotas([70, 20, 10], 10)).toEqual([7, 2, 1]);
    expect(proportionalQuotas([65, 25, 10], 10)).toEqual([7, 2, 1]);
    expect(proportionalQuotas([5, 0, 5], 3).reduce((a, b) => a + b)).toBe(3);
    expect(proportionalQuotas([2, 100], 50)).toEqual([1, 49]);
  });
});

describe('stratifiedSample', () => {
  const codes = vdiscLikeCodes(60_000);

  it('keeps the class mix of the data set', () => {
    const rows = stratifiedSample(codes, 5000, 1);
    expect(rows).toHaveLength(5000);
    expect(new Set(rows).size).toBe(5000);
    const all = countCodes(codes, Array.from(codes.keys()));
    const drawn = countCodes(codes, rows);
    for (const [code, count] of all) {
      const expected = (count * 5000) / codes.length;
      expect(Math.abs((drawn.get(code) ?? 0) - expected)).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic for a seed, different across seeds, and ascending', () => {
    const a = stratifiedSample(codes, 500, 7);
    expect(stratifiedSample(codes, 500, 7)).toEqual(a);
    expect(stratifiedSample(codes, 500, 8)).not.toEqual(a);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
  });

  it('returns every row when the sample is as large as the data', () => {
    expect(stratifiedSample(Uint8Array.from([6, 0, 6]), 10, 1)).toEqual([0, 1, 2]);
  });

  it('rejects a sample size that is not a positive integer', () => {
    expect(() => stratifiedSample(codes, 0, 1)).toThrow(/positive integer/);
    expect(() => stratifiedSample(codes, 2.5, 1)).toThrow(/positive integer/);
  });
});
