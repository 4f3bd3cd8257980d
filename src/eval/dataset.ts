// Labelled data sets for evaluation and fine-tuning: the sample shape, its class, and the format switch.
// Readers are two-pass so a 1.27M-row VDISC file is never held in memory: `classes()` reads only the
// labels, `read(indices)` reads the sources of the rows a sampler picked.
import { extname } from 'node:path';
import type { Lang, VdiscClass } from '../types.ts';
import { VDISC_CLASSES } from '../types.ts';

export interface Sample {
  id: string;
  source: string;
  label: 0 | 1;
  /** The sample's own CWE (e.g. `CWE-121`) when the data set names one. */
  cwe: string | null;
  /** The CWE folded into the Draper VDISC classes; null for non-vulnerable samples. */
  vdisc: VdiscClass | null;
  lang: Lang;
  /** Samples sharing a group (one test case, one fix commit) are never split across train and test. */
  group: string;
}

/** What a sample counts as in Table 5 and in stratified sampling. */
export type SampleClass = 'non-vulnerable' | VdiscClass | 'vulnerable-unclassed';

/** Class order used for the per-row class codes (`Uint8Array`) and for the rows of Table 5. */
export const SAMPLE_CLASSES: readonly SampleClass[] = [
  ...VDISC_CLASSES,
  'vulnerable-unclassed',
  'non-vulnerable',
];

export function classOf(sample: Pick<Sample, 'label' | 'vdisc'>): SampleClass {
  if (sample.label === 0) return 'non-vulnerable';
  return sample.vdisc ?? 'vulnerable-unclassed';
}

export function classCode(cls: SampleClass): number {
  return SAMPLE_CLASSES.indexOf(cls);
}

export interface DatasetSource {
  readonly path: string;
  readonly format: 'jsonl' | 'hdf5';
  /** One class code per row (index into SAMPLE_CLASSES), in row order; reads labels only. */
  classes(): Promise<Uint8Array>;
  /** The rows at the given ascending indices (every row when omitted), in row order. */
  read(indices?: readonly number[]): AsyncIterable<Sample & { row: number }>;
}

/** Thrown for a data set that cannot be read: the message names the file (and line or column). */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

/**
 * VDISC has no language column. A cheap look at the text decides: C++-only syntax (`::`, templates,
 * namespaces, `nullptr`, `new`/`delete` expressions, `class X {`) means cpp, anything else c. Wrong
 * guesses only change the grammar name shown to the model, not the code.
 */
const CPP_SYNTAX =
  /::|\btemplate\s*<|\bnamespace\b|\bnullptr\b|\bnew\s+[A-Za-z_][\w:]*\s*[([<{;]|\bdelete\s*(\[\s*\])?\s*[A-Za-z_]|\bclass\s+\w+\s*[:{]/;

export function guessLang(source: string): Lang {
  return CPP_SYNTAX.test(source) ? 'cpp' : 'c';
}

export async function openDataset(path: string): Promise<DatasetSource> {
  const ext = extname(path).toLowerCase();
  if (ext === '.h5' || ext === '.hdf5') {
    const { openHdf5Dataset } = await import('./hdf5.ts');
    return openHdf5Dataset(path);
  }
  if (ext === '.jsonl' || ext === '.ndjson') {
    const { openJsonlDataset } = await import('./jsonl.ts');
    return openJsonlDataset(path);
  }
  throw new DatasetError(
    `${path}: unknown data set format "${ext || '(no extension)'}"; expected .jsonl (one sample per line) or .h5/.hdf5 (Draper VDISC)`,
  );
}
