import { describe, expect, it } from 'vitest';
import { makePathFilter } from '../../src/extract/paths.ts';

describe('makePathFilter (CodeQL semantics)', () => {
  it('includes everything when no patterns are given', () => {
    expect(makePathFilter([], [])('any/where/x.c')).toBe(true);
  });

  it('treats a pattern without glob characters as a folder and everything below it', () => {
    const keep = makePathFilter([], ['third_party', 'gen/']);
    expect(keep('third_party/zlib/inflate.c')).toBe(false);
    expect(keep('third_party')).toBe(false);
    expect(keep('gen/parser.c')).toBe(false);
    expect(keep('third_party_tools/x.c')).toBe(true);
    expect(keep('src/third_party/x.c')).toBe(true);
  });

  it('keeps * within one folder and lets ** span folders', () => {
    const keep = makePathFilter([], ['src/*.c']);
    expect(keep('src/a.c')).toBe(false);
    expect(keep('src/sub/a.c')).toBe(true);
    const deep = makePathFilter([], ['**/vendor']);
    expect(deep('vendor/a.c')).toBe(false);
    expect(deep('lib/x/vendor/b/c.cpp')).toBe(false);
    expect(deep('lib/vendored/a.c')).toBe(true);
  });

  it('applies paths first, then paths-ignore', () => {
    const keep = makePathFilter(['src', 'include/**/*.h'], ['src/generated']);
    expect(keep('src/a.c')).toBe(true);
    expect(keep('src/generated/tables.c')).toBe(false);
    expect(keep('include/x/y.h')).toBe(true);
    expect(keep('include/x/y.c')).toBe(false);
    expect(keep('tests/t.c')).toBe(false);
  });

  it('matches dot folders and ignores ./ and blank patterns', () => {
    expect(makePathFilter([], ['**/.cache'])('a/.cache/b.c')).toBe(false);
    expect(makePathFilter(['./src', ''], [])('src/a.c')).toBe(true);
    expect(makePathFilter(['  '], [])('x.c')).toBe(true);
  });
});
