import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../src/report/findings.ts';
import {
  buildSarif,
  FINGERPRINT_KEY,
  levelFor,
  MAX_SARIF_RESULTS,
  writeSarifFile,
} from '../../src/report/sarif.ts';
import { VERSION } from '../../src/version.ts';
import { finding, fn, verdict } from './fixtures.ts';

const schema = JSON.parse(
  readFileSync(new URL('../testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
);
const validate = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
  schema,
);

function expectValid(doc: unknown) {
  const ok = validate(doc);
  expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
  expect(ok).toBe(true);
}

const base = {
  skipped: [],
  unclassified: [],
  backend: 'endpoint' as const,
  model: 'vdisc-lora',
  category: 'vulnreview/',
};

// biome-ignore lint/suspicious/noExplicitAny: SARIF is read back as plain JSON
type Json = any;

describe('buildSarif', () => {
  it('the schema rejects a log without runs, so validation can fail', () => {
    expect(validate({ version: '2.1.0' })).toBe(false);
  });

  it('writes a schema-valid log with rules, regions, properties and fingerprints', () => {
    const f1 = finding();
    const f2 = finding(
      { name: 'maybe_null', start: 30, end: 34, source: 'int maybe_null(int *p) { return *p; }' },
      { cwe: undefined, confidence: 0.55 },
    );
    const doc: Json = buildSarif({ ...base, findings: [f1, f2] });
    expectValid(doc);
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
    expect(rule120.helpUri).toBe('https://cwe.mitre.org/data/definitions/120.html');
    expect(Number(rule120.properties['security-severity'])).toBeGreaterThan(7);

    const [r1, r2] = run.results;
    expect(r1.ruleId).toBe('vulnreview/CWE-120');
    expect(run.tool.driver.rules[r1.ruleIndex].id).toBe(r1.ruleId);
    expect(r1.level).toBe('error');
    expect(r1.message.text).toContain('copy_name');
    expect(r1.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/copy.c', uriBaseId: '%SRCROOT%' },
      region: { startLine: 10, endLine: 16 },
    });
    expect(r1.properties).toMatchObject({
      confidence: 0.93,
      backend: 'endpoint',
      model: 'vdisc-lora',
      function: 'copy_name',
    });
    expect(r1.partialFingerprints[FINGERPRINT_KEY]).toBe(f1.fingerprint);
    expect(r2.ruleId).toBe('vulnreview/vulnerable');
    expect(r2.level).toBe('warning');
    expect(run.invocations[0].executionSuccessful).toBe(true);
  });

  it('marks the run unsuccessful and lists skipped and unclassified functions as notifications', () => {
    const doc: Json = buildSarif({
      ...base,
      findings: [],
      skipped: [{ file: 'big.c', reason: 'too-large', detail: '2 MB over the 1 MB limit' }],
      unclassified: [
        { fn: fn({ name: 'odd' }), verdict: verdict({ vulnerable: null, rawAnswer: 'Perhaps' }) },
      ],
    });
    expectValid(doc);
    const inv = doc.runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications.map((n: Json) => n.descriptor.id)).toEqual([
      'vulnreview/skipped/too-large',
      'vulnreview/unclassified',
    ]);
    expect(inv.toolExecutionNotifications[1].message.text).toContain('odd');
  });

  it('keeps within code scanning limits: at most MAX_SARIF_RESULTS results, and says what it dropped', () => {
    const many = Array.from({ length: MAX_SARIF_RESULTS + 3 }, (_, i) =>
      finding({ name: `f${i}`, start: i + 1, end: i + 1, source: `void f${i}(void) {}` }),
    );
    const doc: Json = buildSarif({ ...base, findings: many });
    expect(doc.runs[0].results).toHaveLength(MAX_SARIF_RESULTS);
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
    });
    expectValid(doc);
    const uris = [
      doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri,
      doc.runs[0].invocations[0].toolExecutionNotifications[0].locations[0].physicalLocation.artifactLocation
        .uri,
    ];
    for (const uri of uris) {
      expect(uri).toBe('src/my%20dir/a%231%20100%25.c');
      // Resolved against %SRCROOT% it names exactly the file, nothing cut off at a `#`.
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

describe('writeSarifFile', () => {
  it('writes the log into a folder it creates, leaving out files excluded by paths', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vulnreview-sarif-'));
    try {
      const path = join(dir, 'nested', 'out.sarif');
      await writeSarifFile(
        path,
        {
          findings: [finding()],
          skipped: [
            { file: 'vendor/x.c', reason: 'ignored-path', detail: 'paths-ignore' },
            { file: 'big.c', reason: 'too-large', detail: 'over 1 MB' },
          ],
          unclassified: [],
        },
        { backend: 'endpoint', model: 'vdisc-lora', category: 'vulnreview/x' },
      );
      const doc: Json = JSON.parse(readFileSync(path, 'utf8'));
      expectValid(doc);
      expect(doc.runs[0].automationDetails.id).toBe('vulnreview/x');
      expect(doc.runs[0].results).toHaveLength(1);
      const notes = doc.runs[0].invocations[0].toolExecutionNotifications;
      expect(notes.map((n: Json) => n.descriptor.id)).toEqual(['vulnreview/skipped/too-large']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an entry standing for many files is a notification without a location', () => {
    const doc: Json = buildSarif({
      ...base,
      findings: [],
      skipped: [{ file: '(5 files GitHub did not list)', reason: 'unreadable', detail: 'cap', count: 5 }],
    });
    expectValid(doc);
    const [note] = doc.runs[0].invocations[0].toolExecutionNotifications;
    expect(note.locations).toBeUndefined();
    expect(doc.runs[0].invocations[0].executionSuccessful).toBe(false);
  });
});
