// Counts in messages, with the noun in the right number: "1 finding", "2 findings".

/** `n` and the noun, singular for exactly one; the plural defaults to the singular plus `s`. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
