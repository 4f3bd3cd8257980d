// Writes small Draper VDISC-shaped HDF5 files for the tests: a `functionSource` string dataset and the five
// label columns (uint8 here; h5py writes bools as an int8 enum, which the reader treats the same).
import h5wasm from 'h5wasm/node';
import type { VdiscClass } from '../../src/types.ts';
import { VDISC_CLASSES } from '../../src/types.ts';

export interface VdiscRow {
  source: string;
  /** The true columns; empty for a non-vulnerable row. */
  classes: VdiscClass[];
}

export async function writeVdiscFile(
  path: string,
  rows: readonly VdiscRow[],
  omit: string[] = [],
): Promise<void> {
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  try {
    if (!omit.includes('functionSource')) {
      file.create_dataset({ name: 'functionSource', data: rows.map((r) => r.source) });
    }
    for (const cls of VDISC_CLASSES) {
      if (omit.includes(cls)) continue;
      file.create_dataset({
        name: cls,
        data: Uint8Array.from(rows, (r) => (r.classes.includes(cls) ? 1 : 0)),
      });
    }
  } finally {
    file.close();
  }
}

/** `count` distinct C functions, `vulnerable` of them labelled with the classes in turn. */
export function syntheticRows(count: number, vulnerable: (i: number) => VdiscClass | null): VdiscRow[] {
  return Array.from({ length: count }, (_, i) => {
    const cls = vulnerable(i);
    const body = cls ? `  char b[8];\n  strcpy(b, s); /* ${i} */\n` : `  return s[0] + ${i};\n`;
    return { source: `int f${i}(const char *s)\n{\n${body}}\n`, classes: cls ? [cls] : [] };
  });
}
