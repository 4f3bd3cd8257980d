// Never a silent miss: where extraction recovered, the change's business is reported, as a warning or,
// for a changed line no function holds, as `unparsed`.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wholeFileChange } from '../../src/diff/parse.ts';
import { extractFunctions } from '../../src/extract/functions.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';
import { fileWarnings } from '../../src/extract/warnings.ts';
import type { FileChange } from '../../src/types.ts';

// A C file whose handler hides its braces in macros (the grammar sees statements at file level), with
// clean functions around it.
const TEXT = [
  'int first(void)', //  1
  '{', //  2
  '\treturn 1;', //  3
  '}', //  4
  '', //  5
  'BEGIN_HANDLER(read_handler)', //  6
  '\tchar buf[16];', //  7
  '\tif (r->len > sizeof buf)', //  8
  '\t\treturn -1;', //  9
  '\treturn reply(r, buf);', // 10
  'END_HANDLER', // 11
  '', // 12
  'int last(void)', // 13
  '{', // 14
  '\treturn 2;', // 15
  '}', // 16
  '', // 17
  '/* a comment far from any trouble */', // 18
  'int tail(void) { return 3; }', // 19
].join('\n');

const change = (lines: number[]): FileChange => ({
  path: 'h.c',
  status: 'modified',
  addedLines: lines,
  deletionPoints: [],
  wholeFile: false,
  hunks: [],
});
const read = async () => new TextEncoder().encode(TEXT);

describe('recoveries', () => {
  it('finds the functions around code that lost its braces, and marks that code', async () => {
    const { functions, recoveries } = await extractFunctions(TEXT, 'c', 'h.c');
    expect(functions.map((f) => f.name)).toEqual(['first', 'last', 'tail']);
    expect(recoveries?.map(({ start, end }) => [start, end])).toEqual([[8, 10]]);
  });

  it('counts a changed line next to that code as unparsed, naming the lines', async () => {
    const { functions, skipped, files } = await findChangedFunctions([change([7])], read);
    expect(functions).toEqual([]);
    expect(skipped).toEqual([
      {
        file: 'h.c',
        reason: 'unparsed',
        detail: expect.stringMatching(
          /^1 changed line \(line 7\) lies outside every function found, next to code.*around lines 8–10.*by hand$/,
        ),
      },
    ]);
    expect(files[0]?.recoveries?.map((r) => [r.start, r.end])).toEqual([[8, 10]]);
  });

  it('does not count a changed comment in a gap that parsed cleanly, nor warn about trouble elsewhere', async () => {
    const { functions, skipped, files } = await findChangedFunctions([change([18, 19])], read);
    expect(functions.map((f) => f.name)).toEqual(['tail']);
    expect(skipped).toEqual([]);
    expect(files[0]?.recoveries).toBeUndefined();
    expect(fileWarnings(files)).toEqual([]);
  });

  it('reports every recovery of a file whose patch was left out', async () => {
    const { files } = await findChangedFunctions([wholeFileChange('h.c')], read);
    expect(fileWarnings(files)).toEqual([
      'h.c: a function may be missing or misjudged at lines 8–10: did not parse as declarations or functions',
    ]);
  });

  it('names a few regions in one warning and counts the rest', () => {
    const recoveries = [1, 5, 9, 13, 17, 21].map((start) => ({
      start,
      end: start + 1,
      what: 'did not parse',
    }));
    const [warning] = fileWarnings([
      {
        path: 'x.cpp',
        lang: 'cpp',
        functions: 0,
        changedFunctions: 0,
        errorRatio: 0,
        lossyDecode: false,
        recoveries,
      },
    ]);
    expect(warning).toBe(
      'x.cpp: a function may be missing or misjudged at lines 1–2: did not parse; lines 5–6: did not parse; ' +
        'lines 9–10: did not parse; lines 13–14: did not parse; and 2 more places',
    );
  });

  it('warns where a body had swallowed definitions, and finds each of them', async () => {
    // A `}` missing (hidden in a macro, or the grammar lost one) makes the first method's body run on
    // over the methods below it.
    const text = readFileSync(
      new URL('../testdata/extract/classes/S-missing-brace-recovered.cpp', import.meta.url),
      'utf8',
    );
    const { functions, recoveries } = await extractFunctions(text, 'cpp', 's.cpp');
    expect(functions.map((f) => `${f.start}-${f.end} ${f.name}`)).toEqual([
      '3-6 A::f',
      '8-8 A::g',
      '9-9 A::h',
    ]);
    expect(recoveries?.find((r) => r.what.includes('"function" (f)'))).toMatchObject({ start: 8, end: 11 });
  });
});
