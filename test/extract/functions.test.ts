import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSource } from '../../src/extract/decode.ts';
import { extractFunctions } from '../../src/extract/functions.ts';
import { languageOf } from '../../src/extract/language.ts';

const path = (name: string) => new URL(`../testdata/extract/${name}`, import.meta.url);
const load = (name: string) => decodeSource(readFileSync(path(name))).text;

async function extract(name: string) {
  const text = load(name);
  const lang = languageOf(name, text)!;
  return { lang, text, ...(await extractFunctions(text, lang, name)) };
}

describe('extractFunctions on the fixtures', () => {
  for (const name of [
    'forms.c',
    'forms.cpp',
    'guard_c.h',
    'cpp_header.h',
    'macros.c',
    'latin1.c',
    'crlf.c',
  ]) {
    it(`${name} gives ${name}.expected.json`, async () => {
      const expected = JSON.parse(readFileSync(path(`${name}.expected.json`), 'utf8'));
      const { lang, functions } = await extract(name);
      expect({ lang, functions: functions.map(({ name, start, end }) => ({ name, start, end })) }).toEqual(
        expected,
      );
      for (const fn of functions) {
        expect(fn.file).toBe(name);
        expect(fn.lang).toBe(lang);
      }
    });
  }
});

describe('function text and lines', () => {
  it('gives each function its source from the start of its first line to the closing brace', async () => {
    const { text, functions } = await extract('forms.cpp');
    const lines = text.split('\n');
    for (const fn of functions) {
      const own = lines.slice(fn.start - 1, fn.end).join('\n');
      // The source is those lines, less what follows the closing brace on the last line, or less code
      // that shares the first line with something else (`namespace a { int f() {…} }`).
      expect(own).toContain(fn.source.trim());
      expect(fn.source.trimEnd().endsWith('}')).toBe(true);
    }
    const cursor = functions.find((f) => f.name === 'text::Tokenizer::Cursor::Cursor');
    expect(cursor?.source).toBe('    explicit Cursor(const Tokenizer& t) : t_(t) {}');
  });

  it('starts a template at its template line and keeps the preceding comment out', async () => {
    const { functions } = await extract('forms.cpp');
    const clamp = functions.find((f) => f.name === 'text::clamp_len');
    expect(clamp?.source).toBe(
      'template <typename T>\nT clamp_len(T value, T limit)\n{\n  return value < limit ? value : limit;\n}',
    );
    const { functions: c } = await extract('forms.c');
    expect(
      c.find((f) => f.name === 'bb_legacy_size')?.source.startsWith('int\nbb_legacy_size(buf, extra)'),
    ).toBe(true);
  });

  it('keeps lambdas inside the function that holds them', async () => {
    const { functions } = await extract('forms.cpp');
    const call = functions.find((f) => f.name === 'text::Tokenizer::operator()');
    expect(call).toMatchObject({ start: 32, end: 49 });
    expect(functions.filter((f) => f.start > 32 && f.end < 49)).toEqual([]);
  });

  it('leaves out = default / = delete declarations', async () => {
    const { functions } = await extract('forms.cpp');
    expect(functions.map((f) => f.start)).not.toContain(29);
    expect(functions.map((f) => f.start)).not.toContain(30);
  });

  it('keeps CRLF line ends inside the source text', async () => {
    const { functions } = await extract('crlf.c');
    expect(functions[0]?.source).toBe('int crlf_one(void)\r\n{\r\n\treturn 1;\r\n}');
  });
});

describe('error regions', () => {
  it('is 0 for files that parse cleanly', async () => {
    expect((await extract('forms.c')).errorRatio).toBe(0);
    expect((await extract('forms.cpp')).errorRatio).toBe(0);
  });

  it('reports the share of ERROR lines and still recovers the functions around them', async () => {
    const { errorRatio, functions } = await extract('macros.c');
    expect(errorRatio).toBeGreaterThan(0);
    expect(errorRatio).toBeLessThan(0.5);
    expect(functions.map((f) => f.name)).toContain('dev_count');
  });

  it('names test-framework macro definitions by their call', async () => {
    const text = [
      '#include <gtest/gtest.h>',
      '',
      'TEST(Tokenizer, SplitsOnSpace) {',
      '  EXPECT_EQ(2, count("a b"));',
      '}',
      '',
      'TEST_F(Fixture, Empty)',
      '{',
      '  EXPECT_TRUE(true);',
      '}',
      '',
      'struct URL {',
      '  URL() {}',
      '};',
    ].join('\n');
    const { functions } = await extractFunctions(text, 'cpp', 't.cc');
    expect(functions.map(({ name, start, end }) => ({ name, start, end }))).toEqual([
      { name: 'TEST(Tokenizer, SplitsOnSpace)', start: 3, end: 5 },
      { name: 'TEST_F(Fixture, Empty)', start: 7, end: 10 },
      { name: 'URL::URL', start: 13, end: 13 },
    ]);
  });

  it('returns an empty list for text that is not code at all', async () => {
    const { functions, errorRatio } = await extractFunctions('%%%% ))) {{{ @@@\n'.repeat(50), 'c', 'junk.c');
    expect(functions).toEqual([]);
    expect(errorRatio).toBeGreaterThan(0.5);
  });

  it('handles an empty file', async () => {
    expect(await extractFunctions('', 'cpp', 'empty.cpp')).toEqual({ functions: [], errorRatio: 0 });
  });
});

describe('deep nesting', () => {
  it('walks 3,000 nested namespaces without overflowing the stack', async () => {
    const depth = 3000;
    const text = `${'namespace a {\n'.repeat(depth)}int f() { return 1; }\n${'}\n'.repeat(depth)}`;
    const { functions } = await extractFunctions(text, 'cpp', 'deep.cpp');
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({ name: `${'a::'.repeat(depth)}f`, start: depth + 1, end: depth + 1 });
  });
});
