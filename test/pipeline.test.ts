// runPipeline with the real extractor and real backends (the offline rules, and a scripted Backend that
// answers the way a model can: yes, no, neither, or not at all).
import { describe, expect, it } from 'vitest';
import { type Backend, BackendError } from '../src/model/backend.ts';
import { createBackend } from '../src/model/create.ts';
import { emptyPipelineResult, runPipeline, withSkipped } from '../src/pipeline.ts';
import { unanalysedCount } from '../src/result.ts';
import type { FileChange, FunctionInput, Verdict } from '../src/types.ts';

const SOURCE = `#include <string.h>

void unsafe_copy(char *dst, const char *src)
{
    char buf[8];
    strcpy(buf, src);
    strcpy(dst, buf);
}

int odd_one(int x)
{
    return x * 2;
}

int broken(int x)
{
    return x - 1;
}

int untouched(int x)
{
    return x;
}
`;

const encoder = new TextEncoder();
const files: Record<string, string> = {
  'src/a.c': SOURCE,
  'docs/readme.md': '# x\n',
  'vendor/lib.c': 'int v(void) { return 0; }\n',
};
const readFile = async (path: string) => (path in files ? encoder.encode(files[path]) : undefined);

const changes: FileChange[] = [
  {
    path: 'src/a.c',
    status: 'modified',
    addedLines: [6, 12, 17],
    deletionPoints: [],
    wholeFile: false,
    hunks: [{ newStart: 3, newLines: 16 }],
  },
  {
    path: 'docs/readme.md',
    status: 'modified',
    addedLines: [1],
    deletionPoints: [],
    wholeFile: false,
    hunks: [{ newStart: 1, newLines: 1 }],
  },
  {
    path: 'vendor/lib.c',
    status: 'added',
    addedLines: [1],
    deletionPoints: [],
    wholeFile: false,
    hunks: [{ newStart: 1, newLines: 1 }],
  },
  {
    path: 'src/missing.c',
    status: 'modified',
    addedLines: [1],
    deletionPoints: [],
    wholeFile: false,
    hunks: [{ newStart: 1, newLines: 1 }],
  },
];

/** Answers per function name, as a model might. */
const scripted: Backend = {
  name: 'endpoint',
  model: 'scripted',
  promptHash: 'test',
  async analyse(fn: FunctionInput): Promise<Verdict> {
    const base = { rawAnswer: '', backend: 'endpoint' as const, model: 'scripted', promptHash: 'test' };
    if (fn.name === 'unsafe_copy')
      return { ...base, vulnerable: true, confidence: 0.9, cwe: 'CWE-120', rawAnswer: 'Yes CWE-120' };
    if (fn.name === 'odd_one') return { ...base, vulnerable: null, confidence: 0.5, rawAnswer: 'It depends' };
    throw new BackendError('HTTP 503: overloaded', true);
  },
};

describe('runPipeline', () => {
  it('turns changed functions into findings, and counts unclassified and unanalysed ones without dropping any', async () => {
    const result = await runPipeline({
      changes,
      readFile,
      backend: scripted,
      extract: { pathsIgnore: ['vendor/**'] },
    });
    expect(result.functions.map((f) => f.name)).toEqual(['unsafe_copy', 'odd_one', 'broken']);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      ruleId: 'vulnreview/CWE-120',
      fn: { name: 'unsafe_copy', start: 3, end: 8 },
    });
    expect(result.unclassified.map((u) => u.fn.name)).toEqual(['odd_one']);
    const reasons = result.skipped.map((s) => `${s.file}:${s.function ?? ''}:${s.reason}`).sort();
    expect(reasons).toEqual([
      'src/a.c:broken:backend-error',
      'src/missing.c::unreadable',
      'vendor/lib.c::ignored-path',
    ]);
    expect(result.stats).toMatchObject({
      changedFiles: 4,
      changedFunctions: 3,
      analysed: 1,
      unclassified: 1,
      findings: 1,
      skipped: 2,
      ignored: 1,
      skippedByReason: { 'backend-error': 1, unreadable: 1, 'ignored-path': 1 },
    });
    expect(unanalysedCount(result)).toBe(3);
  });

  it('runs with the offline rules backend end to end', async () => {
    const { backend } = await createBackend({ backend: 'rules' });
    const result = await runPipeline({ changes: [changes[0]!], readFile, backend });
    expect(result.findings.map((f) => f.fn.name)).toEqual(['unsafe_copy']);
    expect(result.findings[0]!.verdict.backend).toBe('rules');
    expect(result.stats.analysed).toBe(3);
    expect(unanalysedCount(result)).toBe(0);
  });
});

describe('withSkipped', () => {
  it('lists what went unanalysed outside the pipeline first, counted as many as it stands for', () => {
    const base = withSkipped(emptyPipelineResult([]), [
      { file: 'vendor/x.c', reason: 'ignored-path', detail: 'paths-ignore' },
    ]);
    expect(unanalysedCount(base)).toBe(0);
    const r = withSkipped(base, [
      { file: '(5 files GitHub did not list)', reason: 'unreadable', detail: 'cap', count: 5 },
    ]);
    expect(r.skipped.map((s) => s.file)).toEqual(['(5 files GitHub did not list)', 'vendor/x.c']);
    expect(r.stats).toMatchObject({
      skipped: 5,
      ignored: 1,
      skippedByReason: { unreadable: 5, 'ignored-path': 1 },
    });
    expect(unanalysedCount(r)).toBe(5);
    expect(withSkipped(r, [])).toBe(r);
  });
});
