// cleanName returns a plain identifier at once; that shortcut must give what the rewrites give.
import { describe, expect, it } from 'vitest';
import { cleanName } from '../../src/extract/names.ts';

/** The rewrites spelled out once more, without the shortcut. */
function reference(text: string): string {
  const name = text
    .replace(/\s+/g, ' ')
    .replace(/\s*::\s*/g, '::')
    .replace(/\boperator\s+(?=[^\w\s])/g, 'operator')
    .replace(/\s*([<>,])\s*/g, (_, c: string) => (c === ',' ? ', ' : c))
    .trim();
  return name.length > 120 ? `${name.slice(0, 120)}…` : name;
}

describe('cleanName', () => {
  it('answers identifiers and everything else as the full rewrite does', () => {
    const names = [
      'f',
      '_start',
      'bb_reserve2',
      'x'.repeat(120),
      'y'.repeat(121),
      'ns :: Box :: get',
      'operator ==',
      'operator bool',
      'Map < K , V >::find',
      ' padded ',
      'TEST(Suite,\n  Case)',
      'caf\u00e9',
      '~Widget',
      '',
    ];
    for (const name of names) expect(cleanName(name), JSON.stringify(name)).toBe(reference(name));
  });
});
