// Project macros: the macros file and `.clang-format` (clang-format's keys), and what they change.
import { describe, expect, it, vi } from 'vitest';
import { wholeFileChange } from '../../src/diff/parse.ts';
import { extractFunctions } from '../../src/extract/functions.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';
import { MacrosError, parseMacros } from '../../src/extract/macros.ts';

const SOURCE = [
  'int LIBCALL add(int a, int b) {',
  '  return a + b;',
  '}',
  '',
  'TESTSUITE(parsing) {',
  'int parse(const char* s) {',
  '  return s[0];',
  '}',
  '}',
  '',
  'int first(Maybe m) {',
  '  KJ_IF_MAYBE(v, m) {',
  '    return *v;',
  '  } else {',
  '    return 0;',
  '  }',
  '}',
].join('\n');

const DECLARED = [
  '# a .clang-format may hold much else; only the macro keys are read',
  'BasedOnStyle: Google',
  'AttributeMacros: [LIBCALL]',
  'NamespaceMacros:',
  '  - TESTSUITE',
  'IfMacros: [KJ_IF_MAYBE]',
  '',
].join('\n');

const names = (fns: { name: string; start: number; end: number }[]) =>
  fns.map((f) => `${f.start}-${f.end} ${f.name}`);

describe('parseMacros', () => {
  it('reads clang-format’s macro keys, lists or single names, and ignores the rest', () => {
    const m = parseMacros(
      [
        'BasedOnStyle: LLVM',
        'AttributeMacros: [A_EXPORT, B_API]',
        'StatementMacros: Q_OBJECT',
        'WhitespaceSensitiveMacros: [STRINGIZE]',
        'TypenameMacros: [STACK_OF]',
        'ForEachMacros: [foreach, Q_FOREACH]',
        'MacroBlockBegin: "^BEGIN_MAP$"',
        'MacroBlockEnd: "^END_MAP$"',
      ].join('\n'),
      'test',
    );
    expect([...m.attribute]).toEqual(['A_EXPORT', 'B_API']);
    expect([...m.statement]).toEqual(['Q_OBJECT', 'STRINGIZE']);
    expect([...m.typename]).toEqual(['STACK_OF']);
    expect([...m.forEach]).toEqual(['foreach', 'Q_FOREACH']);
    expect(m.blockBegin?.test('BEGIN_MAP')).toBe(true);
    expect(m.blockEnd?.test('END_MAP')).toBe(true);
  });

  it('takes the documents for C and C++ (or for every language) and skips the others', () => {
    const m = parseMacros(
      [
        '---',
        'AttributeMacros: [ALL_LANGS]',
        '---',
        'Language: Cpp',
        'AttributeMacros: [CPP_ONLY]',
        '---',
        'Language: JavaScript',
        'AttributeMacros: [JS_ONLY]',
        '...',
      ].join('\n'),
      'test',
    );
    expect([...m.attribute]).toEqual(['ALL_LANGS', 'CPP_ONLY']);
  });

  it('accepts an empty file', () => {
    expect(parseMacros('', 'empty').attribute.size).toBe(0);
  });

  it('names the file and the key when the input cannot be used', () => {
    expect(() => parseMacros('AttributeMacros: [ok, "not a name"]', 'm.yml')).toThrow(
      /m\.yml: AttributeMacros holds "not a name"; expected macro names/,
    );
    expect(() => parseMacros('MacroBlockBegin: "(["', 'm.yml')).toThrow(
      /m\.yml: MacroBlockBegin .* not a valid regular/,
    );
    expect(() => parseMacros('AttributeMacros: [a\n b: c', 'm.yml')).toThrow(MacrosError);
    expect(() => parseMacros('- just\n- a list', 'm.yml')).toThrow(/expected a mapping of clang-format keys/);
  });
});

describe('declared macros in extraction', () => {
  it('do what the heuristics cannot: an attribute between type and name, a namespace macro, an if-like macro', async () => {
    const plain = await extractFunctions(SOURCE, 'cpp', 'm.cpp');
    // Without them the attribute is read as part of the name, and the namespace macro's block as a
    // macro block whose definitions are members of nothing in particular.
    expect(names(plain.functions)).toEqual(['1-3 LIBCALL add', '6-8 parse', '11-17 first']);

    const declared = await extractFunctions(SOURCE, 'cpp', 'm.cpp', {
      macros: parseMacros(DECLARED, 'test'),
    });
    expect(names(declared.functions)).toEqual(['1-3 add', '6-8 parsing::parse', '11-17 first']);
    expect(declared.recoveries).toBeUndefined();
    // Sources still come from the original text, macros and all.
    expect(declared.functions[0]?.source).toContain('LIBCALL');
  });

  it('respells a declared type macro as one identifier and blanks statement and block macros', async () => {
    const text = [
      'STACK_OF(X509) *chain(SSL *s) {',
      '  return s->chain;',
      '}',
      'BEGIN_MAP(Window)',
      '  ENTRY(paint)',
      'END_MAP()',
      'int after() { return 1; }',
    ].join('\n');
    const macros = parseMacros(
      'TypenameMacros: [STACK_OF]\nMacroBlockBegin: "^BEGIN_MAP$"\nMacroBlockEnd: "^END_MAP$"\nStatementMacros: [ENTRY]',
      'test',
    );
    const { functions, errorRatio, recoveries } = await extractFunctions(text, 'c', 'm.c', { macros });
    expect(names(functions)).toEqual(['1-3 chain', '7-7 after']);
    expect(errorRatio).toBe(0);
    expect(recoveries).toBeUndefined();
  });
});

describe('findChangedFunctions reads the repository’s macros', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('reads .clang-format at the root through the same reader as the sources', async () => {
    const asked: string[] = [];
    const { functions } = await findChangedFunctions([wholeFileChange('m.cpp')], async (path) => {
      asked.push(path);
      return path === '.clang-format' ? bytes(DECLARED) : path === 'm.cpp' ? bytes(SOURCE) : undefined;
    });
    expect(asked).toContain('.clang-format');
    expect(names(functions)).toEqual(['1-3 add', '6-8 parsing::parse', '11-17 first']);
  });

  it('does not ask for .clang-format when told not to, nor when there is no C/C++ to read', async () => {
    const asked: string[] = [];
    const reader = async (path: string) => {
      asked.push(path);
      return bytes(SOURCE);
    };
    await findChangedFunctions([wholeFileChange('m.cpp')], reader, { clangFormat: false });
    await findChangedFunctions([wholeFileChange('README.md')], reader);
    expect(asked).toEqual(['m.cpp']);
  });

  it('reads a macros file from the repository (the action’s input) and merges it with .clang-format', async () => {
    const files: Record<string, string> = {
      'm.cpp': SOURCE,
      'ci/macros.yml': 'AttributeMacros: [LIBCALL]\nIfMacros: [KJ_IF_MAYBE]',
      '.clang-format': 'NamespaceMacros: [TESTSUITE]',
    };
    const { functions } = await findChangedFunctions(
      [wholeFileChange('m.cpp')],
      async (path) => (files[path] === undefined ? undefined : bytes(files[path]!)),
      { macrosFile: 'ci/macros.yml' },
    );
    expect(names(functions)).toEqual(['1-3 add', '6-8 parsing::parse', '11-17 first']);
  });

  it('fails on a macros file the user named that is missing or malformed', async () => {
    const reader = async (path: string) => (path === 'bad.yml' ? bytes('AttributeMacros: [1 2]') : undefined);
    await expect(
      findChangedFunctions([wholeFileChange('m.cpp')], reader, { macrosFile: 'missing.yml' }),
    ).rejects.toThrow(/macros file missing\.yml: cannot read it/);
    await expect(
      findChangedFunctions([wholeFileChange('m.cpp')], reader, { macrosFile: 'bad.yml' }),
    ).rejects.toThrow(MacrosError);
  });

  it('warns about a .clang-format it cannot read and goes on without it', async () => {
    const onWarning = vi.fn();
    const { functions } = await findChangedFunctions(
      [wholeFileChange('m.cpp')],
      async (path) => (path === '.clang-format' ? bytes('AttributeMacros: [a\n b: c') : bytes(SOURCE)),
      { onWarning },
    );
    expect(onWarning).toHaveBeenCalledWith(
      expect.stringMatching(/^\.clang-format: not valid YAML.*ignored$/),
    );
    expect(functions.length).toBeGreaterThan(0);
  });
});
