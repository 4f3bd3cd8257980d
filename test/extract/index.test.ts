import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff, wholeFileChange } from '../../src/diff/parse.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';
import { lineHashesOfBytes } from '../../src/extract/line-hash.ts';

const root = new URL('../testdata/extract/project/', import.meta.url);
const diff = await readFile(new URL('../testdata/diff/project.diff', import.meta.url), 'utf8');
const readProject = async (path: string) => {
  try {
    return new Uint8Array(await readFile(new URL(path, root)));
  } catch {
    return undefined;
  }
};
const expected = JSON.parse(
  await readFile(new URL('../testdata/extract/project.expected.json', import.meta.url), 'utf8'),
) as { functions: { file: string; name: string; start: number; end: number; lang: string }[] };

describe('findChangedFunctions on the project fixture', () => {
  const run = (options = {}) => findChangedFunctions(parseUnifiedDiff(diff), readProject, options);

  it('finds exactly the changed functions, ordered by file then line', async () => {
    const { functions } = await run();
    expect(functions.map(({ file, name, start, end, lang }) => ({ file, name, start, end, lang }))).toEqual(
      expected.functions,
    );
  });

  it('does not select functions that were only moved, nor those next to a deletion', async () => {
    const names = (await run()).functions.map((f) => `${f.file}:${f.name}`);
    expect(names).not.toContain('src/util.c:util_c'); // moved; git shows its closing brace as context
    expect(names).not.toContain('src/util.c:util_b');
    expect(names).not.toContain('src/bytebuf.c:bb_at'); // only the comment above it was removed
    expect(names).toContain('src/bytebuf.c:bb_reserve'); // lost its bounds check: a deletion only
  });

  it('lists the binary C file as skipped and ignores non-C, deleted and mode-only files silently', async () => {
    const { skipped, files } = await run();
    expect(skipped).toEqual([
      { file: 'src/blob.c', reason: 'binary', detail: expect.stringContaining('binary') },
    ]);
    const paths = files.map((f) => f.path);
    for (const silent of ['README.md', 'assets/logo.png', 'scripts/run.sh', 'src/tool.c', 'src/legacy.c']) {
      expect(paths).not.toContain(silent);
    }
    expect(paths).not.toContain('src/moved_same.c'); // renamed without edits: nothing to read
  });

  it('reports each parsed file with its counts, error share and decoding', async () => {
    const { files } = await run();
    const bytebuf = files.find((f) => f.path === 'src/bytebuf.c');
    expect(bytebuf).toMatchObject({
      path: 'src/bytebuf.c',
      lang: 'c',
      functions: 12,
      changedFunctions: 4,
      errorRatio: 0,
      lossyDecode: false,
    });
    // GitHub's line hash of every line inside a changed function, for the SARIF writer.
    const { functions } = await run();
    const reserve = functions.find((f) => f.name === 'bb_reserve')!;
    const bytes = (await readProject('src/bytebuf.c'))!;
    const fromBytes = lineHashesOfBytes(bytes, () => true);
    for (let line = reserve.start; line <= reserve.end; line++) {
      expect(bytebuf?.lineHashes?.get(line)).toMatch(/^[0-9a-f]+:\d+$/);
      expect(bytebuf?.lineHashes?.get(line)).toBe(fromBytes.get(line));
    }
    // and none for lines outside every changed function
    const outside = Array.from({ length: 400 }, (_, i) => i + 1).filter(
      (line) => !functions.some((f) => f.file === 'src/bytebuf.c' && f.start <= line && line <= f.end),
    );
    for (const line of outside) expect(bytebuf?.lineHashes?.get(line)).toBeUndefined();
    expect(files.find((f) => f.path === 'src/latin1.c')?.lossyDecode).toBe(true);
    expect(files.find((f) => f.path === 'src/ring.h')?.lang).toBe('cpp');
  });

  it('skips paths-ignore matches and files over the size limit, saying how to include them', async () => {
    const { skipped, functions } = await run({ pathsIgnore: ['third_party'], maxFileBytes: 1024 });
    expect(skipped).toContainEqual({
      file: 'third_party/vendor.c',
      reason: 'ignored-path',
      detail: expect.any(String),
    });
    const large = skipped.filter((s) => s.reason === 'too-large').map((s) => s.file);
    expect(large.sort()).toEqual(['src/bytebuf.c', 'src/tokenizer.cpp']);
    expect(skipped.find((s) => s.reason === 'too-large')?.detail).toMatch(/max-file-size/);
    expect(functions.some((f) => f.file === 'src/bytebuf.c' || f.file.startsWith('third_party/'))).toBe(
      false,
    );
  });

  it('keeps only paths matching `paths`', async () => {
    const { functions, skipped } = await run({ paths: ['src/*.cpp'] });
    expect(new Set(functions.map((f) => f.file))).toEqual(new Set(['src/tokenizer.cpp']));
    expect(skipped.filter((s) => s.reason === 'ignored-path').map((s) => s.file)).toContain('src/bytebuf.c');
  });
});

describe('findChangedFunctions edge cases', () => {
  const source = new TextEncoder().encode(
    'int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 2;\n}\n',
  );

  it('selects every function of a file whose patch was left out', async () => {
    const { functions } = await findChangedFunctions([wholeFileChange('big.c')], async () => source);
    expect(functions.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('lists a file that cannot be read instead of dropping it', async () => {
    const { skipped, functions } = await findChangedFunctions(
      [wholeFileChange('gone.c')],
      async () => undefined,
    );
    expect(functions).toEqual([]);
    expect(skipped).toEqual([
      { file: 'gone.c', reason: 'unreadable', detail: expect.stringContaining('head') },
    ]);
  });

  it('lists a file whose reader throws as unreadable, with the reason', async () => {
    const { skipped } = await findChangedFunctions([wholeFileChange('e.c')], async () => {
      throw new Error('HTTP 404 from contents API');
    });
    expect(skipped).toEqual([
      { file: 'e.c', reason: 'unreadable', detail: expect.stringContaining('HTTP 404') },
    ]);
  });

  it('lists a C file with NUL bytes as binary', async () => {
    const { skipped } = await findChangedFunctions([wholeFileChange('x.c')], async () =>
      Uint8Array.from([0x69, 0, 0x6e]),
    );
    expect(skipped[0]).toMatchObject({ file: 'x.c', reason: 'binary' });
  });

  it('treats a function moved to another file as unchanged, and a moved-and-edited one as changed', async () => {
    const moveDiff = [
      'diff --git a/old.c b/old.c',
      'deleted file mode 100644',
      '--- a/old.c',
      '+++ /dev/null',
      '@@ -1,4 +0,0 @@',
      '-int a(void)',
      '-{',
      '-    return 1;',
      '-}',
      'diff --git a/new.c b/new.c',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.c',
      '@@ -0,0 +1,9 @@',
      '+int a(void)',
      '+{',
      '+\treturn 1;',
      '+}',
      '+',
      '+int b(void)',
      '+{',
      '+\treturn 2;',
      '+}',
      '',
    ].join('\n');
    const { functions } = await findChangedFunctions(parseUnifiedDiff(moveDiff), async () => source);
    expect(functions.map((f) => f.name)).toEqual(['b']);
  });
});

describe('a patch series that touches one file twice', () => {
  // Base: keep() and other(). Patch 1 adds risky() after keep(); patch 2 edits other(), and its context
  // shows risky() whole, as it stood after patch 1.
  const final = [
    'int keep(int a)',
    '{',
    '    return a;',
    '}',
    'void risky(char *s)',
    '{',
    '    char b[8];',
    '    strcpy(b, s);',
    '}',
    'int other(int a)',
    '{',
    '    return a + 2;',
    '}',
    '',
  ].join('\n');
  const series = [
    '--- a/s.c',
    '+++ b/s.c',
    '@@ -4,0 +5,5 @@',
    '+void risky(char *s)',
    '+{',
    '+    char b[8];',
    '+    strcpy(b, s);',
    '+}',
    '--- a/s.c',
    '+++ b/s.c',
    '@@ -5,9 +5,9 @@',
    ' void risky(char *s)',
    ' {',
    '     char b[8];',
    '     strcpy(b, s);',
    ' }',
    ' int other(int a)',
    ' {',
    '-    return a + 1;',
    '+    return a + 2;',
    ' }',
    '',
  ].join('\n');

  it('analyses the final file as wholly changed, each function once, none taken for moved', async () => {
    const { functions } = await findChangedFunctions(parseUnifiedDiff(series), async () =>
      new TextEncoder().encode(final),
    );
    expect(functions.map((f) => f.name)).toEqual(['keep', 'risky', 'other']);
  });
});

describe('findChangedFunctions on hard inputs', () => {
  const fixture = (name: string) => readFile(new URL(`../testdata/extract/${name}`, import.meta.url));
  const run = async (name: string) =>
    findChangedFunctions(
      parseUnifiedDiff(await fixture(`${name}.diff`).then(String)),
      async (path) => new Uint8Array(await fixture(path)),
    );

  it('counts a function that lost its bounds check while an unchanged #ifdef copy of it stays as context', async () => {
    // The edited get() now reads exactly like the #else copy, which the hunk shows as context: that copy
    // is still there, so the edited one was not moved from it.
    const { functions, skipped } = await run('ifdef_copies');
    expect(functions.map(({ name, start, end }) => ({ name, start, end }))).toEqual([
      { name: 'get', start: 5, end: 8 },
    ]);
    expect(skipped).toEqual([]);
  });

  it('lists a change in code that did not parse, outside every function found, as unparsed', async () => {
    // The bounds check left a handler whose braces hide in macros: no function holds the deletion.
    const { functions, skipped, files } = await run('hidden_braces');
    // With the macro lines blanked, what is left are statements at file level, which C's grammar parses
    // without an error (errorRatio 0): what decides is the trouble next to the changed line.
    expect(files[0]?.recoveries?.length).toBeGreaterThan(0);
    expect(functions.some((f) => f.start <= 9 && 9 <= f.end)).toBe(false);
    expect(skipped).toEqual([
      {
        file: 'hidden_braces.c',
        reason: 'unparsed',
        detail: expect.stringMatching(
          /^1 changed line \(line 9\) lies outside every function found.*by hand$/,
        ),
      },
    ]);
  });

  it('finds a function under 3,000 nested namespaces instead of ending the run', async () => {
    const depth = 3000;
    const text = `${'namespace a {\n'.repeat(depth)}int f() { return 1; }\n${'}\n'.repeat(depth)}`;
    const { functions, skipped } = await findChangedFunctions([wholeFileChange('deep.cpp')], async () =>
      new TextEncoder().encode(text),
    );
    expect(functions.map((f) => f.start)).toEqual([depth + 1]);
    expect(skipped).toEqual([]);
  });

  it('reads up to 8 files at once and keeps the results in diff order', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `f${i}.c`);
    let inFlight = 0;
    let most = 0;
    const { files } = await findChangedFunctions(
      paths.map((path) => wholeFileChange(path)),
      async (path) => {
        inFlight++;
        most = Math.max(most, inFlight);
        // Later files answer sooner, so completion order is not diff order.
        await new Promise((resolve) => setTimeout(resolve, 40 - Number(path.slice(1, -2))));
        inFlight--;
        return new TextEncoder().encode(`int ${path.slice(0, -2)}(void) { return 0; }\n`);
      },
    );
    expect(most).toBe(8);
    expect(files.map((f) => f.path)).toEqual(paths);
  });
});

describe('line hashes of files whose decoded text is not what GitHub hashes', () => {
  // Extraction drops a BOM and reads invalid UTF-8 as latin1; GitHub hashes the file as UTF-8 with the
  // BOM as a character and U+FFFD for invalid bytes. The hashes must be GitHub's either way.
  const source = 'int f(int x)\n{\n    return x + 1; /* caf\xe9 */\n}\n';
  const cases: [string, Uint8Array][] = [
    ['utf8.c', new Uint8Array(Buffer.from(source, 'utf8'))],
    ['bom.c', Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from(source, 'utf8')])],
    ['latin1.c', new Uint8Array(Buffer.from(source, 'latin1'))],
  ];
  for (const [path, bytes] of cases) {
    it(`are GitHub's for ${path}`, async () => {
      const { files, functions } = await findChangedFunctions(
        [wholeFileChange(path, 'added')],
        async () => bytes,
      );
      expect(functions).toHaveLength(1);
      const expected = lineHashesOfBytes(bytes, () => true);
      for (let line = 1; line <= 4; line++) expect(files[0]!.lineHashes?.get(line)).toBe(expected.get(line));
    });
  }
});
