// The base side is extracted with the project macros the head side used (`.clang-format`, a macros file):
// read without them, a function would get another name at the base, find no base version, and an old
// finding would be reported as new.
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/diff/parse.ts';
import type { Backend } from '../../src/model/backend.ts';
import { runPipeline } from '../../src/pipeline.ts';
import type { FunctionInput, Verdict } from '../../src/types.ts';

const CLANG_FORMAT = 'AttributeMacros: [LIBCALL]\nNamespaceMacros: [TESTSUITE]\n';

const BASE = [
  'TESTSUITE(parsing) {',
  'int LIBCALL copy_name(char *dst, const char *src) {',
  '  strcpy(dst, src);',
  '  return 0;',
  '}',
  '}',
  '',
].join('\n');
const HEAD = BASE.replace('  return 0;', '  dst[0] = dst[0];\n  return 0;');

const PATCH = `diff --git a/lib/parse.cpp b/lib/parse.cpp
--- a/lib/parse.cpp
+++ b/lib/parse.cpp
@@ -2,4 +2,5 @@ TESTSUITE(parsing) {
 int LIBCALL copy_name(char *dst, const char *src) {
   strcpy(dst, src);
+  dst[0] = dst[0];
   return 0;
 }
`;

/** strcpy is vulnerable at 0.9 on either side: an edit that keeps it leaves the finding unchanged. */
const backend: Backend = {
  name: 'endpoint',
  model: 'scripted',
  promptHash: 'h',
  async analyse(fn: FunctionInput): Promise<Verdict> {
    const yes = fn.source.includes('strcpy');
    return {
      vulnerable: yes,
      confidence: yes ? 0.9 : 0.1,
      ...(yes ? { cwe: 'CWE-120' as const } : {}),
      rawAnswer: yes ? 'Yes' : 'No',
      backend: 'endpoint',
      model: 'scripted',
      promptHash: 'h',
    };
  },
};

const bytes = (text: string) => new TextEncoder().encode(text);

describe('the base side and project macros', () => {
  it('reads the base version with the macros of .clang-format, so an old finding stays unchanged', async () => {
    const result = await runPipeline({
      changes: parseUnifiedDiff(PATCH),
      readFile: async (path) =>
        path === '.clang-format' ? bytes(CLANG_FORMAT) : path === 'lib/parse.cpp' ? bytes(HEAD) : undefined,
      backend,
      baseline: { readBaseFile: async (path) => (path === 'lib/parse.cpp' ? bytes(BASE) : undefined) },
    });
    expect(result.functions.map((f) => f.name)).toEqual(['parsing::copy_name']);
    expect(result.findings.map((f) => f.baseline?.state)).toEqual(['unchanged']);
    expect(result.baseline?.stats.matched).toBe(1);
  });
});
