// Deeply nested code must not overflow the call stack anywhere in the rules backend: each of these shapes
// threw "Maximum call stack size exceeded" at 5,000 levels while the tree copy, the flow walk and the
// expression helpers (constant folding, taint, identifiers, base names) were recursive — all but the
// string concatenation, which is flat in the tree and is here for the literal-length walk over 5,000 parts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wholeFileChange } from '../../src/diff/parse.ts';
import type { Backend } from '../../src/model/backend.ts';
import { createRulesBackend } from '../../src/model/rules/index.ts';
import { runPipeline } from '../../src/pipeline.ts';

const DEPTH = 5_000;

let backend: Backend;
beforeAll(async () => {
  backend = await createRulesBackend();
});
afterAll(async () => {
  await backend.close?.();
});

/** Each shape nests DEPTH levels around (or before) a flaw the rules must still find. */
const SHAPES: { shape: string; source: string; rule: string }[] = [
  {
    shape: 'nested blocks',
    source: `void f(char *s)\n{\n${'{'.repeat(DEPTH)}\n    char b[4];\n    strcpy(b, getenv("X"));\n${'}'.repeat(DEPTH)}\n}\n`,
    rule: 'unbounded-copy',
  },
  {
    shape: 'nested ifs',
    source: `void f(int a)\n{\n    char b[4];\n${'    if (a)\n'.repeat(DEPTH)}        b[9] = 0;\n}\n`,
    rule: 'index-out-of-bounds',
  },
  {
    shape: 'nested loops',
    source: `void f(int a)\n{\n    char b[4];\n${'    while (a--)\n'.repeat(DEPTH)}        b[9] = 0;\n}\n`,
    rule: 'index-out-of-bounds',
  },
  {
    shape: 'nested parentheses',
    source: `void f(void)\n{\n    char b[4];\n    b[${'('.repeat(DEPTH)}9${')'.repeat(DEPTH)}] = 0;\n}\n`,
    rule: 'index-out-of-bounds',
  },
  {
    shape: 'a long constant sum',
    source: `void f(void)\n{\n    char b[4];\n    b[0${' + 1'.repeat(DEPTH)}] = 0;\n}\n`,
    rule: 'index-out-of-bounds',
  },
  {
    shape: 'a long tainted sum',
    source: `void f(void)\n{\n    char b[4];\n    int n = rand();\n    int i = 0${' + n'.repeat(DEPTH)};\n    b[i] = 0;\n}\n`,
    rule: 'unchecked-external-index',
  },
  {
    shape: 'nested calls',
    source: `void f(void)\n{\n    char *p = NULL;\n    g(${'h('.repeat(DEPTH)}*p${')'.repeat(DEPTH)});\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'nested ternaries',
    source: `void f(int a)\n{\n    char *p = NULL;\n    a = ${'a ? a : '.repeat(DEPTH)}*p;\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'chained assignments',
    source: `void f(void)\n{\n    char *p = NULL;\n    int a, b;\n    a = ${'b = '.repeat(DEPTH)}*p;\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'a nested && condition',
    source: `void f(int a)\n{\n    char *p = NULL;\n    if (${'a && ('.repeat(DEPTH)}*p${')'.repeat(DEPTH)})\n        return;\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'stacked unary operators and casts',
    source: `void f(void)\n{\n    char *p = NULL;\n    int a = ${'-(int)'.repeat(DEPTH)}*p;\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'chained subscripts',
    source: `void f(int ***t)\n{\n    char *p = NULL;\n    t${'[0]'.repeat(DEPTH)} = *p;\n}\n`,
    rule: 'null-dereference',
  },
  {
    shape: 'a long string concatenation',
    source: `void f(void)\n{\n    char b[8];\n    strcpy(b, "a"${' "b"'.repeat(DEPTH)});\n}\n`,
    rule: 'copy-exceeds-destination',
  },
];

describe('deeply nested code', () => {
  it.each(SHAPES)('analyses $shape ($rule) without overflowing the stack', async ({ source, rule }) => {
    const verdict = await backend.analyse({ source, lang: 'c' });
    expect(verdict.rawAnswer.split(',')).toContain(rule);
  });

  it('analyses them through the pipeline too, on the extraction’s own syntax tree', async () => {
    const shapes = SHAPES.filter((s) => /blocks|ifs|parentheses|constant sum|concatenation/.test(s.shape));
    const files = new Map(shapes.map(({ source }, i) => [`deep/${i}.c`, source]));
    const encoder = new TextEncoder();
    const result = await runPipeline({
      changes: [...files.keys()].map((path) => wholeFileChange(path)),
      readFile: async (path) => encoder.encode(files.get(path) ?? ''),
      backend,
    });
    expect(result.skipped).toEqual([]);
    expect(result.stats.analysed).toBe(shapes.length);
    const fired = (i: number) => {
      const analysis = result.analyses.find((a) => a.fn.file === `deep/${i}.c`);
      return analysis && 'verdict' in analysis ? analysis.verdict.rawAnswer : undefined;
    };
    shapes.forEach(({ shape, rule }, i) => {
      expect(fired(i)?.split(','), shape).toContain(rule);
    });
  });
});
