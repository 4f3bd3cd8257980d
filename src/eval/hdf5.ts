// Draper VDISC HDF5 files: a `functionSource` string dataset and one boolean column per class
// (`CWE-119`, `CWE-120`, `CWE-469`, `CWE-476`, `CWE-other`). Rows are read in slices of CHUNK_ROWS so a
// 1.27M-row file never sits in memory whole; the label pass never touches `functionSource`.
import { access, open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import type { VdiscClass } from '../types.ts';
import { VDISC_CLASSES } from '../types.ts';
import { classCode, classOf, DatasetError, type DatasetSource, guessLang, type Sample } from './dataset.ts';

export const SOURCE_COLUMN = 'functionSource';
/** Label columns in the order that picks a row's class when several are true (most frequent first). */
export const LABEL_COLUMNS: readonly VdiscClass[] = VDISC_CLASSES;
export const CHUNK_ROWS = 10_000;
/**
 * Below one wanted row in SPARSE_FACTOR, a chunk's sources are read row by row. Measured (bench/eval.md):
 * one row read costs about as much as decoding 30 rows of a whole chunk.
 */
const SPARSE_FACTOR = 30;

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

function column(file: H5File, path: string, name: string, rows?: number): H5Dataset {
  const entity = file.get(name);
  if (!(entity instanceof h5wasm.Dataset)) {
    throw new DatasetError(
      `${path}: no "${name}" dataset; a Draper VDISC file has ${[SOURCE_COLUMN, ...LABEL_COLUMNS].join(', ')} (found: ${file.keys().join(', ') || 'nothing'})`,
    );
  }
  const shape = entity.shape ?? [];
  if (shape.length !== 1)
    throw new DatasetError(`${path}: "${name}" should be one-dimensional, has shape [${shape}]`);
  if (rows !== undefined && shape[0] !== rows) {
    throw new DatasetError(`${path}: "${name}" has ${shape[0]} rows but "${SOURCE_COLUMN}" has ${rows}`);
  }
  return entity;
}

/** Reads a slice of a label column as 0/1 flags (h5py writes bools as an int8 enum; uint8 works too). */
function flags(data: unknown, path: string, name: string): ArrayLike<number> {
  if (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array)) {
    return data as unknown as ArrayLike<number>;
  }
  if (Array.isArray(data)) return data.map((v) => (v ? 1 : 0));
  throw new DatasetError(`${path}: "${name}" is not a boolean or integer column`);
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The HDF5 signature sits at offset 0 or, after a user block, at 512, 1024, 2048…. Checked up front
 * because the library, given another file, prints its whole C error stack before failing.
 */
async function hasHdf5Signature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(SIGNATURE.length);
    for (let offset = 0; offset + SIGNATURE.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(buffer, 0, SIGNATURE.length, offset);
      if (buffer.equals(SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

interface Opened {
  file: H5File;
  rows: number;
  source: H5Dataset;
  labels: H5Dataset[];
}

export async function openHdf5Dataset(path: string): Promise<DatasetSource> {
  const absolute = resolve(path);
  try {
    await access(absolute);
  } catch {
    throw new DatasetError(`${path}: cannot read the data set (no such file or no permission)`);
  }
  await h5wasm.ready;
  const name = basename(path);

  if (!(await hasHdf5Signature(absolute))) {
    throw new DatasetError(`${path}: not an HDF5 file (no HDF5 signature); expected a Draper VDISC .h5 file`);
  }
  const openFile = (): Opened => {
    let file: H5File;
    try {
      file = new h5wasm.File(absolute, 'r');
    } catch (error) {
      throw new DatasetError(
        `${path}: not a readable HDF5 file (${error instanceof Error ? error.message : error})`,
      );
    }
    if (file.file_id < 0n) throw new DatasetError(`${path}: not a readable HDF5 file`);
    try {
      const source = column(file, path, SOURCE_COLUMN);
      const rows = source.shape?.[0] ?? 0;
      const labels = LABEL_COLUMNS.map((label) => column(file, path, label, rows));
      return { file, rows, source, labels };
    } catch (error) {
      file.close();
      throw error;
    }
  };

  const labelSlice = (opened: Opened, start: number, end: number): ArrayLike<number>[] =>
    opened.labels.map((dataset, i) => flags(dataset.slice([[start, end]]), path, LABEL_COLUMNS[i]!));

  const classAt = (slices: ArrayLike<number>[], offset: number): VdiscClass | null => {
    const hit = slices.findIndex((values) => values[offset] !== 0);
    return hit < 0 ? null : LABEL_COLUMNS[hit]!;
  };

  // A 5,000-row draw from 1.27M rows touches nearly every chunk but few rows in each: reading those
  // rows one by one is then far cheaper than decoding 10,000 strings per chunk.
  const sourceReader = (
    opened: Opened,
    start: number,
    end: number,
    indices: readonly number[] | undefined,
    next: number,
  ): ((row: number) => unknown) => {
    let wanted = end - start;
    if (indices !== undefined) {
      wanted = 0;
      for (let i = next; i < indices.length && indices[i]! < end; i++) wanted++;
    }
    const decode = (value: unknown): unknown[] => {
      if (!Array.isArray(value))
        throw new DatasetError(`${path}: "${SOURCE_COLUMN}" is not a string dataset`);
      return value;
    };
    if (wanted * SPARSE_FACTOR < end - start) {
      return (row) => decode(opened.source.slice([[row, row + 1]]))[0];
    }
    const sources = decode(opened.source.slice([[start, end]]));
    return (row) => sources[row - start];
  };

  return {
    path,
    format: 'hdf5',
    async classes() {
      const opened = openFile();
      try {
        const codes = new Uint8Array(opened.rows);
        for (let start = 0; start < opened.rows; start += CHUNK_ROWS) {
          const end = Math.min(start + CHUNK_ROWS, opened.rows);
          const slices = labelSlice(opened, start, end);
          for (let i = start; i < end; i++) {
            const vdisc = classAt(slices, i - start);
            codes[i] = classCode(classOf({ label: vdisc ? 1 : 0, vdisc }));
          }
        }
        if (opened.rows === 0) throw new DatasetError(`${path}: the data set has no samples`);
        return codes;
      } finally {
        opened.file.close();
      }
    },
    async *read(indices?: readonly number[]) {
      const opened = openFile();
      try {
        let next = 0;
        for (let start = 0; start < opened.rows; start += CHUNK_ROWS) {
          const end = Math.min(start + CHUNK_ROWS, opened.rows);
          // With a sparse selection, skip chunks that hold none of the wanted rows without reading them.
          if (indices !== undefined) {
            if (next >= indices.length) return;
            if (indices[next]! >= end) continue;
          }
          const sourceAt = sourceReader(opened, start, end, indices, next);
          const slices = labelSlice(opened, start, end);
          for (let row = start; row < end; row++) {
            if (indices !== undefined) {
              if (indices[next] !== row) continue;
              next++;
            }
            const source = sourceAt(row);
            if (typeof source !== 'string') {
              throw new DatasetError(`${path}: "${SOURCE_COLUMN}" row ${row} is not a string`);
            }
            const vdisc = classAt(slices, row - start);
            const sample: Sample = {
              id: `${name}#${row}`,
              source,
              label: vdisc ? 1 : 0,
              cwe: vdisc,
              vdisc,
              lang: guessLang(source),
              group: String(row),
            };
            yield { ...sample, row };
          }
        }
      } finally {
        opened.file.close();
      }
    },
  };
}
