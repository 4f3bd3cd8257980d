import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, guessLang, openDataset, SAMPLE_CLASSES, type Sample } from '../../src/eval/dataset.ts';
import { CHUNK_ROWS } from '../../src/eval/hdf5.ts';
import { syntheticRows, writeVdiscFile } from './vdisc-fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vulnreview-readers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(rows: AsyncIterable<Sample & { row: number }>) {
  const out: (Sample & { row: number })[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const FIXTURE = join(import.meta.dirname, '..', 'testdata', 'eval', 'small.jsonl');

describe('JSONL reader', () => {
  it('reads the shared-data shape, with defaults for the optional fields', async () => {
    const source = await openDataset(FIXTURE);
    expect(source.format).toBe('jsonl');
    const rows = await collect(source.read());
    expect(rows).toHaveLength(12);
    expect(rows[0]).toMatchObject({
      id: 'pair-1/before',
      label: 1,
      cwe: 'CWE-787',
      vdisc: 'CWE-119',
      lang: 'c',
      group: 'pair-1',
      row: 0,
    });
    const codes = await source.classes();
    expect(Array.from(codes, (c) => SAMPLE_CLASSES[c])).toEqual(
      rows.map((r) => (r.label ? r.vdisc : 'non-vulnerable')),
    );
    const picked = await collect(source.read([1, 4, 11]));
    expect(picked.map((r) => r.row)).toEqual([1, 4, 11]);
    expect(picked[2]!.id).toBe(rows[11]!.id);
  });

  const bad: [string, string, RegExp][] = [
    ['not json', '{"source": "int f(){}", "label": 0}\n{oops\n', /bad\.jsonl:2: not valid JSON/],
    ['label', '{"source": "int f(){}", "label": 2}\n', /bad\.jsonl:1: "label" must be 0 or 1, got 2/],
    ['source', '\n{"label": 1}\n', /bad\.jsonl:2: "source" must be a string/],
    [
      'vdisc',
      '{"source": "x", "label": 1, "vdisc": "CWE-79"}\n',
      /"vdisc" must be one of CWE-120, .* got "CWE-79"/,
    ],
    ['lang', '{"source": "x", "label": 0, "lang": "rust"}\n', /bad\.jsonl:1: "lang" must be "c" or "cpp"/],
    ['array', '[1, 2]\n', /bad\.jsonl:1: expected a JSON object/],
    [
      'label 0 with a class',
      '{"source": "x", "label": 0, "vdisc": "CWE-476"}\n',
      /"vdisc" is CWE-476 but "label" is 0/,
    ],
  ];
  it.each(bad)('names file and line for a bad row (%s)', async (_name, text, message) => {
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, text);
    const source = await openDataset(path);
    await expect(source.classes()).rejects.toThrow(message);
    await expect(source.classes()).rejects.toBeInstanceOf(DatasetError);
  });

  it('says so when the file is missing, empty or of an unknown format', async () => {
    await expect(openDataset(join(dir, 'missing.jsonl'))).rejects.toThrow(/missing\.jsonl: cannot read/);
    const empty = join(dir, 'empty.jsonl');
    await writeFile(empty, '\n\n');
    await expect((await openDataset(empty)).classes()).rejects.toThrow(/no samples/);
    await expect(openDataset(join(dir, 'data.csv'))).rejects.toThrow(/unknown data set format "\.csv"/);
  });
});

describe('HDF5 (Draper VDISC) reader', () => {
  it('reads labels, the first true column as the class, and rows across chunk boundaries', async () => {
    const path = join(dir, 'vdisc.h5');
    const rows = syntheticRows(CHUNK_ROWS + 50, (i) => (i % 10 === 3 ? 'CWE-476' : null));
    rows[0] = { source: 'void g(char *d) { std::strcpy(d, "x"); }', classes: ['CWE-119', 'CWE-120'] };
    await writeVdiscFile(path, rows);
    const source = await openDataset(path);
    expect(source.format).toBe('hdf5');
    const codes = await source.classes();
    expect(codes).toHaveLength(rows.length);
    // CWE-120 comes before CWE-119 in the documented order.
    expect(SAMPLE_CLASSES[codes[0]!]).toBe('CWE-120');
    expect(SAMPLE_CLASSES[codes[3]!]).toBe('CWE-476');
    expect(SAMPLE_CLASSES[codes[4]!]).toBe('non-vulnerable');

    const wanted = [0, 3, 9_999, 10_000, 10_003, CHUNK_ROWS + 49];
    const picked = await collect(source.read(wanted));
    expect(picked.map((r) => r.row)).toEqual(wanted);
    expect(picked[0]).toMatchObject({
      id: 'vdisc.h5#0',
      label: 1,
      vdisc: 'CWE-120',
      lang: 'cpp',
      group: '0',
    });
    expect(picked[2]).toMatchObject({ source: rows[9_999]!.source, label: 0, vdisc: null, lang: 'c' });
    expect(picked[4]).toMatchObject({ source: rows[10_003]!.source, label: 1, vdisc: 'CWE-476' });
  });

  it('reads every row when no indices are given (dense path)', async () => {
    const path = join(dir, 'dense.h5');
    const rows = syntheticRows(30, (i) => (i === 5 ? 'CWE-469' : null));
    await writeVdiscFile(path, rows);
    const all = await collect((await openDataset(path)).read());
    expect(all.map((r) => r.source)).toEqual(rows.map((r) => r.source));
    expect(all[5]!.vdisc).toBe('CWE-469');
  });

  it('names the missing column and what the file has', async () => {
    const path = join(dir, 'no-476.hdf5');
    await writeVdiscFile(
      path,
      syntheticRows(3, () => null),
      ['CWE-476'],
    );
    const source = await openDataset(path);
    await expect(source.classes()).rejects.toThrow(
      /no-476\.hdf5: no "CWE-476" dataset; .*found: CWE-119, CWE-120/,
    );
  });

  it('rejects a file that is not HDF5', async () => {
    const path = join(dir, 'fake.h5');
    await writeFile(path, 'not hdf5');
    await expect(openDataset(path)).rejects.toThrow(/fake\.h5: not an HDF5 file/);
  });
});

describe('guessLang', () => {
  it('sees C++-only syntax', () => {
    expect(guessLang('int main() { return 0; }')).toBe('c');
    expect(guessLang('void A::f() {}')).toBe('cpp');
    expect(guessLang('template <typename T> T id(T x) { return x; }')).toBe('cpp');
    expect(guessLang('int *p = new int[4];')).toBe('cpp');
    expect(guessLang('char *p = malloc(4); /* new buffer */')).toBe('c');
  });
});
