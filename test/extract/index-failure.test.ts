import { describe, expect, it, vi } from 'vitest';
import { wholeFileChange } from '../../src/diff/parse.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';

// Stands in for any failure of the parser or the walk on one file (a stack overflow on deep nesting was one).
vi.mock('../../src/extract/functions.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/extract/functions.ts')>();
  return {
    ...original,
    extractFunctions: async (...args: Parameters<typeof original.extractFunctions>) => {
      if (args[2] === 'boom.c') throw new RangeError('Maximum call stack size exceeded');
      return original.extractFunctions(...args);
    },
  };
});

describe('a file whose extraction fails', () => {
  it('is listed as unparsed, with the error, and the other files are still analysed', async () => {
    const { functions, skipped, files } = await findChangedFunctions(
      [wholeFileChange('boom.c'), wholeFileChange('ok.c')],
      async () => new TextEncoder().encode('int f(void) { return 0; }\n'),
    );
    expect(skipped).toEqual([
      {
        file: 'boom.c',
        reason: 'unparsed',
        detail: expect.stringContaining('Maximum call stack size exceeded'),
      },
    ]);
    expect(functions.map((f) => `${f.file}:${f.name}`)).toEqual(['ok.c:f']);
    expect(files.map((f) => f.path)).toEqual(['ok.c']);
  });
});
