// Stratified sampling: a draw of N rows keeps the data set's class mix (non-vulnerable and each VDISC
// class), so 5,000 functions from the VDISC test split come out about as the seed's (350 vulnerable).
import { seededRandom } from './prng.ts';

/**
 * Splits `total` over the classes in proportion to their counts, rounding by largest remainder so the
 * parts add up to exactly `total` (ties go to the larger class, then the lower code, for determinism).
 */
export function proportionalQuotas(counts: readonly number[], total: number): number[] {
  const all = counts.reduce((a, b) => a + b, 0);
  if (all === 0) return counts.map(() => 0);
  const exact = counts.map((count) => (count * total) / all);
  const quotas = exact.map(Math.floor);
  let left = total - quotas.reduce((a, b) => a + b, 0);
  const order = counts
    .map((count, code) => ({ code, count, remainder: exact[code]! - quotas[code]! }))
    .sort((a, b) => b.remainder - a.remainder || b.count - a.count || a.code - b.code);
  for (const { code } of order) {
    if (left <= 0) break;
    if (quotas[code]! < counts[code]!) {
      quotas[code]!++;
      left--;
    }
  }
  return quotas;
}

/** Row indices per class code. */
export function rowsByClass(codes: Uint8Array): number[][] {
  const byClass: number[][] = [];
  codes.forEach((code, row) => {
    byClass[code] ??= [];
    byClass[code]!.push(row);
  });
  return byClass;
}

/** `count` distinct rows chosen at random from `rows` (all of them when fewer). */
export function pick(rows: readonly number[], count: number, random: () => number): number[] {
  if (count >= rows.length) return [...rows];
  // Partial Fisher–Yates: only the first `count` places are shuffled, so drawing 5,000 of a million
  // costs 5,000 swaps, not a million.
  const pool = Uint32Array.from(rows);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return Array.from(pool.subarray(0, count));
}

/**
 * Picks `size` rows stratified by class from per-row class codes; the same codes, size and seed always
 * give the same rows. Returns ascending row indices (readers stream rows in file order).
 */
export function stratifiedSample(codes: Uint8Array, size: number, seed: number): number[] {
  if (!Number.isInteger(size) || size < 1)
    throw new Error(`sample size must be a positive integer, got ${size}`);
  if (size >= codes.length) return Array.from(codes.keys());
  const random = seededRandom(seed);
  const byClass = rowsByClass(codes);
  const counts = Array.from(byClass, (rows) => rows?.length ?? 0);
  const quotas = proportionalQuotas(counts, size);
  const chosen: number[] = [];
  byClass.forEach((rows, code) => {
    if (rows) chosen.push(...pick(rows, quotas[code]!, random));
  });
  return chosen.sort((a, b) => a - b);
}
