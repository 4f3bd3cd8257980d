import { mkdirSync, mkdtempSync, readdirSync as readdir, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '../../src/diff/parse.ts';
import { lineHashes } from '../../src/extract/line-hash.ts';
import { createRulesBackend } from '../../src/model/rules/index.ts';
import { emptyPipelineResult, runPipeline } from '../../src/pipeline.ts';
import { findingsOfVerdict, fingerprintOf } from '../../src/report/findings.ts';
import {
  buildSarif,
  escapeSarifText,
  FINGERPRINT_KEY,
  LINE_HASH_KEY,
  levelFor,
  MAX_SARIF_RESULTS,
  sarifOf,
  writeSarifFile,
} from '../../src/report/sarif.ts';
import { VERSION } from '../../src/version.ts';
import { checkUpload, hiddenFromPullRequest } from '../helpers/code-scanning.ts';
import { finding, fn, verdict } from './fixtures.ts';

const base = {
  skipped: [],
  unclassified: [],
  analysed: 2,
  backend: 'endpoint' as const,
  model: 'vdisc-lora',
  category: 'vulnreview/',
};

// biome-ignore lint/suspicious/noExplicitAny: SARIF is read back as plain JSON
type Json = any;

const text = (doc: unknown) => JSON.stringify(doc);

/** A file whose lines 10–16 are fixtures.ts's copy_name, padded so the line numbers hold. */
const COPY_C = `${Array.from({ length: 9 }, (_, i) => `// line ${i + 1}`).join('\n')}\n${fn().source}  /* 15 */\n}\n`;

/** Every line of a file in the diff: nothing can be hidden for lack of a hunk. */
const wholeDiff = (path: string) => new Map([[path, [{ start: 1, end: 10_000 }]]]);

describe('the code-scanning check itself', () => {
  it('can fail: schema, results array, severity, locations, line hashes, category and the PR rule', () => {
    expect(checkUpload('{').errors[0]).toContain('JSON syntax error');
    expect(checkUpload(text({ version: '2.1.0' })).errors).toContain("Invalid SARIF. Missing 'runs' array.");
    const doc: Json = buildSarif({ ...base, findings: [finding({ firstChangedLine: 12 })] });
    expect(checkUpload(text(doc)).tracking[0]).toContain('no primaryLocationLineHash');
    const noResults = structuredClone(doc);
    delete noResults.runs[0].results;
    expect(checkUpload(text(noResults)).errors.join()).toContain("Missing 'results' array");
    const badSeverity = structuredClone(doc);
    badSeverity.runs[0].tool.driver.rules[0].properties['security-severity'] = 'high';
    expect(checkUpload(text(badSeverity)).errors.join()).toContain('is not a number');
    const noCategory = structuredClone(doc);
    noCategory.runs[0].automationDetails.id = 'vulnreview';
    expect(checkUpload(text(noCategory)).tracking.join()).toContain('the empty category');
    const wrongHash = structuredClone(doc);
    wrongHash.runs[0].results[0].partialFingerprints[LINE_HASH_KEY] = 'ffff:1';
    expect(checkUpload(text(wrongHash), new Map([['src/copy.c', COPY_C]])).tracking.join()).toContain(
      'differs',
    );
    // A region over the whole function (lines 10-16) is hidden when the diff holds only lines 12-16.
    const wholeFunction = structuredClone(doc);
    wholeFunction.runs[0].results[0].locations[0].physicalLocation.region = { startLine: 10, endLine: 16 };
    const diff = new Map([['src/copy.c', [{ start: 12, end: 16 }]]]);
    expect(hiddenFromPullRequest(text(wholeFunction), diff)).toEqual([
      'vulnreview/CWE-120 at src/copy.c:10-16',
    ]);
  });
});

describe('buildSarif', () => {
  it('writes a log upload-sarif accepts, with rules, one-line regions, properties and fingerprints', () => {
    const f1 = finding({ firstChangedLine: 12 });
    const f2 = finding(
      {
        file: 'src/null.c',
        name: 'maybe_null',
        start: 30,
        end: 34,
        source: 'int maybe_null(int *p) { return *p; }',
      },
      { cwe: undefined, confidence: 0.55 },
    );
    const doc: Json = buildSarif({
      ...base,
      findings: [f1, f2],
      lineHash: (path, line) => (path === 'src/copy.c' ? lineHashes(COPY_C).get(line) : `${line}abc:1`),
    });
    const check = checkUpload(text(doc), new Map([['src/copy.c', COPY_C]]));
    expect(check).toMatchObject({ errors: [], tracking: [], unsuccessfulExecution: false });
    const run = doc.runs[0];
    expect(run.tool.driver.version).toBe(VERSION);
    expect(run.automationDetails.id).toBe('vulnreview/');
    const ids = run.tool.driver.rules.map((r: Json) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'vulnreview/CWE-120',
        'vulnreview/CWE-119',
        'vulnreview/CWE-469',
        'vulnreview/CWE-476',
        'vulnreview/CWE-other',
        'vulnreview/vulnerable',
      ]),
    );
    const rule120 = run.tool.driver.rules.find((r: Json) => r.id === 'vulnreview/CWE-120');
    expect(rule120.properties.tags).toEqual(['security', 'external/cwe/cwe-120']);
    expect(Number(rule120.properties['security-severity'])).toBeGreaterThan(7);

    const [r1, r2] = run.results;
    expect(r1.ruleId).toBe('vulnreview/CWE-120');
    expect(run.tool.driver.rules[r1.ruleIndex].id).toBe(r1.ruleId);
    expect(r1.level).toBe('error');
    // The primary location is the line the finding points at; the function is a related location.
    expect(r1.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/copy.c', uriBaseId: '%SRCROOT%' },
      region: { startLine: 12 },
    });
    expect(r1.locations[0].logicalLocations).toEqual([
      { name: 'copy_name', fullyQualifiedName: 'copy_name', kind: 'function' },
    ]);
    expect(r1.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: {
          artifactLocation: { uri: 'src/copy.c', uriBaseId: '%SRCROOT%' },
          region: { startLine: 10, endLine: 16 },
        },
        message: { text: 'function copy_name (lines 10-16)' },
      },
    ]);
    // The message links to that related location with SARIF's embedded link syntax.
    expect(r1.message.text).toContain('in function [copy_name](1), confidence 0.93');
    expect(r1.properties).toMatchObject({ confidence: 0.93, backend: 'endpoint', function: 'copy_name' });
    expect(r1.partialFingerprints).toEqual({
      [FINGERPRINT_KEY]: f1.fingerprint,
      [LINE_HASH_KEY]: lineHashes(COPY_C).get(12),
    });
    // No changed line known: the function's first line.
    expect(r2.locations[0].physicalLocation.region).toEqual({ startLine: 30 });
    expect(r2.ruleId).toBe('vulnreview/vulnerable');
    expect(r2.level).toBe('warning');
  });

  it("a modified function whose first lines are outside the diff still shows in the PR's check", () => {
    // copy_name spans 10-16; the change added line 13 only, in a hunk covering 11-16.
    const doc: Json = buildSarif({ ...base, findings: [finding({ firstChangedLine: 13 })] });
    expect(hiddenFromPullRequest(text(doc), new Map([['src/copy.c', [{ start: 11, end: 16 }]]]))).toEqual([]);
  });

  it('several weaknesses in one function: one result each, on its own line, with distinct fingerprints', () => {
    const f = fn({ firstChangedLine: 11 });
    const findings = findingsOfVerdict(
      f,
      verdict({
        backend: 'rules',
        model: 'rules-1',
        cwe: 'CWE-476',
        confidence: 0.7,
        hits: [
          {
            cwe: 'CWE-120',
            line: 3,
            reason: 'strcpy into buf[16] without a bound',
            confidence: 0.9,
            id: 'copy',
          },
          { cwe: 'CWE-476', line: 2, reason: 'malloc result used unchecked', confidence: 0.7, id: 'null' },
          { cwe: 'CWE-120', line: 4, reason: 'second strcpy', confidence: 0.6, id: 'copy' },
        ],
      }),
    );
    const doc: Json = buildSarif({
      ...base,
      findings,
      lineHash: (_, line) => lineHashes(COPY_C).get(line),
    });
    expect(checkUpload(text(doc), new Map([['src/copy.c', COPY_C]]))).toMatchObject({
      errors: [],
      tracking: [],
    });
    const results = doc.runs[0].results;
    expect(results.map((r: Json) => [r.ruleId, r.locations[0].physicalLocation.region.startLine])).toEqual([
      ['vulnreview/CWE-120', 12],
      ['vulnreview/CWE-476', 11],
    ]);
    const fps = results.map((r: Json) => r.partialFingerprints);
    expect(new Set(fps.map((p: Json) => p[FINGERPRINT_KEY])).size).toBe(2);
    expect(new Set(fps.map((p: Json) => p[LINE_HASH_KEY])).size).toBe(2);
    // Literal brackets in a reason are escaped so they never read as a link.
    expect(results[0].message.text).toContain('strcpy into buf\\[16\\] without a bound');
    expect(hiddenFromPullRequest(text(doc), wholeDiff('src/copy.c'))).toEqual([]);
  });

  it('escapes brackets and backslashes in names, so only our link is a link', () => {
    expect(escapeSarifText('operator[](int) \\ x')).toBe('operator\\[\\](int) \\\\ x');
    const doc: Json = buildSarif({ ...base, findings: [finding({ name: 'Buf::operator[]' })] });
    expect(doc.runs[0].results[0].message.text).toContain('[Buf::operator\\[\\]](1)');
    // The whole message stays short whatever the reason holds.
    const long = buildSarif({ ...base, findings: [finding({}, { reason: '[x]'.repeat(2000) })] }) as Json;
    expect(long.runs[0].results[0].message.text.length).toBeLessThanOrEqual(1000);
    expect(long.runs[0].results[0].message.text).not.toMatch(/[^\\]\\$/);
  });

  it('succeeds whenever anything was analysed, listing gaps as warning notifications', () => {
    const doc: Json = buildSarif({
      ...base,
      findings: [],
      analysed: 3,
      skipped: [{ file: 'big.c', reason: 'too-large', detail: '2 MB over the 1 MB limit' }],
      unclassified: [
        { fn: fn({ name: 'odd' }), verdict: verdict({ vulnerable: null, rawAnswer: 'Perhaps' }) },
      ],
    });
    const check = checkUpload(text(doc));
    expect(check.errors).toEqual([]);
    expect(check.unsuccessfulExecution).toBe(false);
    const inv = doc.runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(true);
    expect(inv.toolExecutionNotifications.map((n: Json) => [n.level, n.descriptor.id])).toEqual([
      ['warning', 'vulnreview/skipped/too-large'],
      ['warning', 'vulnreview/unclassified'],
    ]);
    expect(inv.toolExecutionNotifications[1].message.text).toContain('odd');
  });

  it('is an unsuccessful execution only when nothing could be analysed', () => {
    const nothing: Json = buildSarif({
      ...base,
      findings: [],
      analysed: 0,
      skipped: [{ file: '(5 files GitHub did not list)', reason: 'unreadable', detail: 'cap', count: 5 }],
    });
    expect(checkUpload(text(nothing))).toMatchObject({ errors: [], unsuccessfulExecution: true });
    const [note] = nothing.runs[0].invocations[0].toolExecutionNotifications;
    expect(note.locations).toBeUndefined(); // an entry for many files has no one location
    // Nothing to analyse at all (no C/C++ in the change) is a successful run.
    const empty: Json = buildSarif({ ...base, findings: [], analysed: 0 });
    expect(empty.runs[0].invocations[0].executionSuccessful).toBe(true);
  });

  it('normalises the category to end in "/", so runs do not share the empty category', () => {
    for (const [given, id] of [
      ['vulnreview', 'vulnreview/'],
      ['vulnreview-gpu', 'vulnreview-gpu/'],
      ['team/vulnreview/', 'team/vulnreview/'],
      ['  ', 'vulnreview/'],
    ]) {
      const doc: Json = buildSarif({ ...base, findings: [], category: given! });
      expect(doc.runs[0].automationDetails.id).toBe(id);
      expect(checkUpload(text(doc)).categories).toEqual([id]);
    }
  });

  it('keeps within code scanning limits: at most MAX_SARIF_RESULTS results, and says what it dropped', () => {
    const many = Array.from({ length: MAX_SARIF_RESULTS + 3 }, (_, i) =>
      finding({ name: `f${i}`, start: i + 1, end: i + 1, source: `void f${i}(void) {}` }),
    );
    const doc: Json = buildSarif({ ...base, findings: many, lineHash: (_, line) => `${line}:1` });
    expect(doc.runs[0].results).toHaveLength(MAX_SARIF_RESULTS);
    expect(checkUpload(text(doc))).toMatchObject({ errors: [], notes: [] });
    const notes = doc.runs[0].invocations[0].toolExecutionNotifications;
    expect(notes.at(-1).message.text).toContain('3 least confident');
    expect(JSON.stringify(doc).length).toBeLessThan(10 * 1024 * 1024);
  });

  it('writes file paths as relative URI references: a space, # or % in a name is percent-encoded', () => {
    const odd = 'src/my dir/a#1 100%.c';
    const doc: Json = buildSarif({
      ...base,
      findings: [finding({ file: odd })],
      skipped: [{ file: odd, reason: 'too-large', detail: 'big' }],
      lineHash: () => 'abc:1',
    });
    expect(checkUpload(text(doc))).toMatchObject({ errors: [], tracking: [] });
    const uris = [
      doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri,
      doc.runs[0].results[0].relatedLocations[0].physicalLocation.artifactLocation.uri,
      doc.runs[0].invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation
        .uri,
    ];
    for (const uri of uris) {
      expect(uri).toBe('src/my%20dir/a%231%20100%25.c');
      expect(decodeURIComponent(new URL(uri, 'file:///repo/').pathname)).toBe(`/repo/${odd}`);
    }
  });

  it('maps confidence to levels', () => {
    expect([levelFor(0.95), levelFor(0.8), levelFor(0.6), levelFor(0.2)]).toEqual([
      'error',
      'error',
      'warning',
      'note',
    ]);
  });
});

describe('fingerprints', () => {
  it('are stable across line shifts and re-indentation, and change with the code or the rule', () => {
    const a = finding();
    const shifted = finding({ start: 110, end: 116, source: fn().source.replace(/\n {2}/g, '\n\t\t') });
    expect(shifted.fingerprint).toBe(a.fingerprint);
    expect(finding({ source: fn().source.replace('strcpy(buf', 'strncpy(buf') }).fingerprint).not.toBe(
      a.fingerprint,
    );
    expect(finding({}, { cwe: 'CWE-119' }).fingerprint).not.toBe(a.fingerprint);
    expect(fingerprintOf('vulnreview/CWE-120', 'a b')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('SARIF from a real pipeline run (rules backend)', () => {
  const HEAD = `#include <string.h>
#include <stdio.h>

/* A function the change left alone. */
int add(int a, int b)
{
    return a + b;
}

void greet(char *out, const char *name)
{
    char buf[16];
    int n = 0;
    n++;
    strcpy(buf, name);
    sprintf(out, "hi %s", buf);
}
`;
  // The change added only the strcpy line: the function's first lines are context, not added.
  const PATCH = `--- a/src/greet.c
+++ b/src/greet.c
@@ -12,4 +12,5 @@ void greet(char *out, const char *name)
     char buf[16];
     int n = 0;
     n++;
+    strcpy(buf, name);
     sprintf(out, "hi %s", buf);
`;

  async function sarifFor(head: string, patch: string): Promise<string> {
    const result = await runPipeline({
      changes: parseUnifiedDiff(patch),
      readFile: async () => new TextEncoder().encode(head),
      backend: await createRulesBackend(),
    });
    expect(result.findings.length).toBeGreaterThan(0);
    return `${JSON.stringify(sarifOf(result, { backend: 'rules', model: 'rules', category: 'vulnreview' }))}\n`;
  }

  it('passes the upload check and the PR-check rule, with the hash upload-sarif would compute', async () => {
    const sarif = await sarifFor(HEAD, PATCH);
    const check = checkUpload(sarif, new Map([['src/greet.c', HEAD]]));
    expect(check).toEqual({
      errors: [],
      tracking: [],
      notes: [],
      unsuccessfulExecution: false,
      categories: ['vulnreview/'],
    });
    const hunks = parseUnifiedDiff(PATCH)[0]!.hunks.map((h) => ({
      start: h.newStart,
      end: h.newStart + h.newLines - 1,
    }));
    expect(hiddenFromPullRequest(sarif, new Map([['src/greet.c', hunks]]))).toEqual([]);
  });

  it('keeps each alert’s primaryLocationLineHash when lines are added elsewhere in the file', async () => {
    const before: Json = JSON.parse(await sarifFor(HEAD, PATCH));
    const moved = HEAD.replace('#include <stdio.h>\n', '#include <stdio.h>\n#include <stdlib.h>\n\n');
    const patch = PATCH.replace('@@ -12,4 +12,5 @@', '@@ -12,4 +14,5 @@');
    const after: Json = JSON.parse(await sarifFor(moved, patch));
    const key = (r: Json) => [r.ruleId, r.partialFingerprints[LINE_HASH_KEY]];
    expect(after.runs[0].results.map(key)).toEqual(before.runs[0].results.map(key));
    const lines = (d: Json) =>
      d.runs[0].results.map((r: Json) => r.locations[0].physicalLocation.region.startLine);
    expect(lines(after)).toEqual(lines(before).map((l: number) => l + 2));
  });
});

describe('writeSarifFile', () => {
  it('writes the log into a folder it creates, leaving out files excluded by paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vulnreview-sarif-'));
    try {
      const path = join(dir, 'nested', 'out.sarif');
      await writeSarifFile(
        path,
        {
          ...emptyPipelineResult([]),
          findings: [finding()],
          skipped: [
            { file: 'vendor/x.c', reason: 'ignored-path', detail: 'paths-ignore' },
            { file: 'big.c', reason: 'too-large', detail: 'over 1 MB' },
          ],
        },
        { backend: 'endpoint', model: 'vdisc-lora', category: 'vulnreview/x' },
      );
      const written = readFileSync(path, 'utf8');
      expect(checkUpload(written).errors).toEqual([]);
      const doc: Json = JSON.parse(written);
      expect(doc.runs[0].automationDetails.id).toBe('vulnreview/x/');
      expect(doc.runs[0].results).toHaveLength(1);
      const notes = doc.runs[0].invocations[0].toolExecutionNotifications;
      expect(notes.map((n: Json) => n.descriptor.id)).toEqual(['vulnreview/skipped/too-large']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces an existing file only with a complete one, and leaves it alone when writing fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vulnreview-sarif-'));
    try {
      const path = join(dir, 'out.sarif');
      writeFileSync(path, 'OLD');
      mkdirSync(join(dir, 'blocked.sarif'));
      await expect(
        writeSarifFile(join(dir, 'blocked.sarif'), emptyPipelineResult([]), {
          backend: 'rules',
          model: 'r',
          category: 'vulnreview/',
        }),
      ).rejects.toThrow();
      await writeSarifFile(path, emptyPipelineResult([]), { backend: 'rules', model: 'r', category: 'x' });
      expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe('2.1.0');
      // No temporary files are left behind.
      expect(readdir(dir).sort()).toEqual(['blocked.sarif', 'out.sarif']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
