// typeSize answers table spellings and pointer types before its regular expressions run (every
// declaration asks it); those shortcuts must give what the full normalisation gives.
import { describe, expect, it } from 'vitest';
import { typeSize } from '../../src/model/rules/syntax.ts';

/**
 * The normalisation spelled out once more: the reference the shortcuts must match. A normalised text is
 * its own normal form, so typeSize of it is the table's entry whichever way it is reached.
 */
function reference(typeText: string): number | undefined {
  const t = typeText
    .replace(/\b(const|volatile|static|struct|register)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.endsWith('*')) return 8;
  return typeSize(t);
}

describe('typeSize', () => {
  const bases = [
    'char',
    'unsigned char',
    'int',
    'size_t',
    'long long',
    'uint8_t',
    'double',
    'my_t',
    'struct s',
  ];
  const spellings = bases.flatMap((b) => [
    b,
    `const ${b}`,
    `${b} const`,
    `static  ${b}`,
    `${b} *`,
    `${b}*`,
    `${b} * const`,
    `const ${b} **`,
    ` ${b}\t`,
    `volatile\n${b}`,
    `${b} *\n`,
  ]);

  it('answers every spelling as the full normalisation does', () => {
    for (const spelling of [...spellings, '', '*', 'constructor', 'toString', 'const', 'register int']) {
      expect(typeSize(spelling), JSON.stringify(spelling)).toBe(reference(spelling));
    }
  });

  it('knows the common sizes', () => {
    expect(typeSize('char')).toBe(1);
    expect(typeSize('const char *')).toBe(8);
    expect(typeSize('unsigned  int')).toBe(4);
    expect(typeSize('struct packet')).toBeUndefined();
  });
});
