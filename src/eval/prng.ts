// A small seeded PRNG so that `--seed S` gives the same draw on every machine and Node version
// (Math.random cannot be seeded). Quality needs are modest: shuffling indices for sampling and splits.

/** Uniform floats in [0, 1) from a 32-bit seed; the same seed always gives the same sequence. */
export function seededRandom(seed: number): () => number {
  // Mix the seed first so that nearby seeds (1, 2, 3…) start far apart.
  let state = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    // Weyl increment + xorshift-multiply finaliser (the splitmix32 construction).
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    return (z >>> 0) / 4294967296;
  };
}

/** Shuffles the array in place (Fisher–Yates) with the given random source and returns it. */
export function shuffleInPlace<T extends { length: number; [i: number]: unknown }>(
  items: T,
  random: () => number,
): T {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}
