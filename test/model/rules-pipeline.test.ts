// Several weaknesses in one function, end to end with the offline rules: a changed file → the pipeline →
// one finding per weakness class, each at its own line → SARIF results with their own fingerprints and
// lines. Before, the strongest rule hid the others (an overflowing sprintf hid an unchecked malloc).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/model/backend.ts';
import { createRulesBackend } from '../../src/model/rules/index.ts';
import { runPipeline } from '../../src/pipeline.ts';
import { buildSarif, FINGERPRINT_KEY } from '../../src/report/sarif.ts';
import type { FileChange } from '../../src/types.ts';

const FILE = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds a greeting for the caller, who frees it. */
char *greet(const char *name)
{
    char *msg = malloc(16);
    char *tag = malloc(8);
    char buf[8];
    sprintf(buf, "hello %s", "world!!");
    strcpy(msg, buf);
    strcpy(tag, name);
    return msg;
}

int twice(int x)
{
    return 2 * x;
}
`;

// greet spans lines 6–15; the change added line 11 (the sprintf) and line 19 (inside twice)
const change: FileChange = {
  path: 'src/greet.c',
  status: 'modified',
  addedLines: [11, 19],
  deletionPoints: [],
  wholeFile: false,
  hunks: [{ newStart: 1, newLines: 20 }],
};

let backend: Backend;
beforeAll(async () => {
  backend = await createRulesBackend();
});
afterAll(async () => {
  await backend.close?.();
});

async function scan() {
  return runPipeline({
    changes: [change],
    readFile: async (path) => (path === change.path ? new TextEncoder().encode(FILE) : undefined),
    backend,
  });
}

/** The parts of a SARIF result this test reads. */
interface SarifResult {
  ruleId: string;
  message: { text: string };
  locations: { physicalLocation: { region: { startLine: number } } }[];
  relatedLocations?: { physicalLocation: { region: { startLine: number } } }[];
  partialFingerprints: Record<string, string>;
  properties: { confidence: number; function: string };
}

/** Every line a SARIF result names: its primary region and its related locations. */
/** The line a SARIF result points at: its primary region (the function's span is a related location). */
function primaryLine(result: SarifResult): number {
  return result.locations[0]!.physicalLocation.region.startLine;
}

describe('several weaknesses in one function, end to end', () => {
  it('reports each weakness class once, strongest first, each at its own line', async () => {
    const result = await scan();
    expect(result.functions.map((f) => f.name)).toEqual(['greet', 'twice']);
    expect(result.stats).toMatchObject({ analysed: 2, findings: 3 });
    expect(result.findings.map((f) => [f.ruleId, f.line, f.verdict.confidence, f.fn.name])).toEqual([
      // the sprintf overflow (copy-exceeds-destination) outranks the strcpy of unknown length (same class)
      ['vulnreview/CWE-120', 11, 0.9, 'greet'],
      ['vulnreview/CWE-476', 12, 0.65, 'greet'],
      ['vulnreview/CWE-other', 9, 0.45, 'greet'],
    ]);
    expect(result.findings.map((f) => f.verdict.reason)).toEqual([
      'sprintf() writes up to 14 bytes into 8',
      'msg from malloc() may be NULL and is not checked',
      'memory allocated to tag is never freed or handed on',
    ]);
    // every finding keeps the function's full verdict trail: all rules that fired
    for (const f of result.findings) {
      expect(f.verdict.rawAnswer).toBe(
        'copy-exceeds-destination,unchecked-null-result,unbounded-copy,memory-leak',
      );
    }
  });

  it('writes one SARIF result per finding, with distinct fingerprints, lines and messages', async () => {
    const result = await scan();
    const sarif = buildSarif({
      findings: result.findings,
      skipped: result.skipped,
      unclassified: result.unclassified,
      analysed: result.stats.analysed,
      backend: backend.name,
      model: backend.model,
      category: 'vulnreview/',
    }) as { runs: { results: SarifResult[] }[] };
    const results = sarif.runs[0]!.results;
    expect(results.map((r) => r.ruleId)).toEqual([
      'vulnreview/CWE-120',
      'vulnreview/CWE-476',
      'vulnreview/CWE-other',
    ]);
    const fingerprints = results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
    expect(new Set(fingerprints).size).toBe(3);
    expect(results.map((r) => r.properties.confidence)).toEqual([0.9, 0.65, 0.45]);
    [11, 12, 9].forEach((line, i) => {
      expect(primaryLine(results[i]!), results[i]!.ruleId).toBe(line);
    });
    const messages = results.map((r) => r.message.text as string);
    expect(messages[0]).toContain('sprintf() writes up to 14 bytes into 8');
    expect(messages[1]).toContain('msg from malloc() may be NULL');
    expect(new Set(messages).size).toBe(3);
    for (const r of results) expect(r.properties.function).toBe('greet');
  });

  it('keeps each finding’s fingerprint on a re-run', async () => {
    const first = await scan();
    const second = await scan();
    expect(second.findings.map((f) => f.fingerprint)).toEqual(first.findings.map((f) => f.fingerprint));
  });
});
