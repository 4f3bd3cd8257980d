import { describe, expect, it } from 'vitest';
import { findingsOfVerdict, formatConfidence } from '../../src/report/findings.ts';
import { evaluateGate } from '../../src/report/gate.ts';
import { lineLink, renderSummary } from '../../src/report/summary.ts';
import { renderJson, renderTable } from '../../src/report/table.ts';
import type { PipelineResult } from '../../src/result.ts';
import { finding, fn, verdict } from './fixtures.ts';

function result(): PipelineResult {
  const findings = [
    finding({}, { reason: 'strcpy into buf | unchecked' }),
    finding({ name: 'low', source: 'void low(void) {}' }, { confidence: 0.3, cwe: undefined }),
  ];
  return {
    functions: [],
    analyses: [],
    findings,
    skipped: [
      { file: 'big.c', reason: 'too-large', detail: 'over 1024 KB' },
      { file: 'vendor/x.c', reason: 'ignored-path', detail: 'paths-ignore vendor/**' },
    ],
    unclassified: [{ fn: fn({ name: 'odd' }), verdict: verdict({ vulnerable: null, rawAnswer: 'Maybe' }) }],
    files: [],
    stats: {
      changedFiles: 4,
      sourceFiles: 3,
      changedFunctions: 5,
      analysed: 3,
      unclassified: 1,
      cached: 1,
      findings: 2,
      skipped: 1,
      ignored: 1,
      skippedByReason: { 'too-large': 1, 'ignored-path': 1 },
      durationMs: 10,
    },
  };
}

describe('renderSummary', () => {
  it('shows untrusted model answers and paths as text: no mention, no HTML, no broken table', () => {
    const r = result();
    r.unclassified = [
      {
        fn: fn({ name: 'odd' }),
        verdict: verdict({ vulnerable: null, rawAnswer: '@octocat <script>x</script> | [a](b)' }),
      },
    ];
    const md = renderSummary(r, { backend: 'endpoint', model: 'm', durationMs: 1 });
    const row = md.split('\n').find((l) => l.includes('unclassified answer'))!;
    expect(row).not.toMatch(/@[A-Za-z]/);
    expect(row).not.toContain('<script>');
    expect(row).not.toContain('](');
    // Four cell separators: `| file | function | why |`, the answer's own `|` escaped.
    expect(row.match(/(?<!\\)\|/g)).toHaveLength(4);
  });

  it('shows counts, findings by confidence, what was not analysed and why, the model and the time', () => {
    const md = renderSummary(result(), {
      backend: 'endpoint',
      model: 'vdisc-lora',
      durationMs: 4200,
      blobBaseUrl: 'https://github.com/octo/demo/blob/abc123',
      failOnConfidence: 0.9,
    });
    expect(md).toContain('| Files changed | 4 (3 C/C++) |');
    expect(md).toContain('| Analysed | 3 (1 from cache) |');
    expect(md).toContain(
      '| Findings | 2 in 2 functions: 1 high (≥ 0.8), 0 medium (0.5–0.8), 1 low (< 0.5), 1 at or above the gate (0.9) |',
    );
    expect(md).toContain('| Unclassified answers | 1 |');
    // 5 changed functions = 3 analysed + 1 unclassified + 1 not analysed; big.c is a file left out whole.
    expect(md).toContain('| Not analysed | 1 |');
    expect(md).toContain('| Files not analysed | 1 (their functions are not known) |');
    expect(md).toContain('`endpoint` / `vdisc-lora`');
    expect(md).toContain('4.2 s');
    expect(md).toContain(
      '| `copy_name` (lines 10–16) | [src/copy.c:10](https://github.com/octo/demo/blob/abc123/src/copy.c#L10) |',
    );
    expect(md).toContain('file over the size limit: over 1024 KB');
    expect(md).toContain('unclassified answer: Maybe');
    expect(md).not.toContain('buf | unchecked'); // reasons stay out of the table; pipes would break it
  });

  it('escapes path segments in links', () => {
    expect(lineLink('https://x/blob/s', 'dir with space/a#b.c', 1, 2)).toBe(
      'https://x/blob/s/dir%20with%20space/a%23b.c#L1-L2',
    );
  });

  it('encodes parentheses in links, so a `)` in a path cannot end the Markdown link', () => {
    expect(lineLink('https://x/blob/s', 'src/a(1)).c', 1, 2)).toBe(
      'https://x/blob/s/src/a%281%29%29.c#L1-L2',
    );
    const r = result();
    r.findings = [finding({ file: 'src/x).c' })];
    const md = renderSummary(r, {
      backend: 'endpoint',
      model: 'm',
      durationMs: 1,
      blobBaseUrl: 'https://x/blob/s',
    });
    expect(md).toContain('(https://x/blob/s/src/x%29.c#L10)');
  });

  it('escapes the notice, which can quote what a server said', () => {
    const md = renderSummary(result(), {
      backend: 'endpoint',
      model: 'm',
      durationMs: 1,
      notice: 'model [click](https://evil.example) <img src=x> @octocat',
    });
    const line = md.split('\n').find((l) => l.startsWith('> model'))!;
    expect(line).not.toContain('](https://evil');
    expect(line).not.toContain('<img');
    expect(line).not.toMatch(/@[a-z]/);
  });

  it('lists parse warnings (lossy decodes, many ERROR lines) with the paths escaped', () => {
    const r = result();
    r.files = [
      { path: 'ok.c', lang: 'c', functions: 2, changedFunctions: 1, errorRatio: 0, lossyDecode: false },
      {
        path: 'macros_@octocat.c',
        lang: 'c',
        functions: 1,
        changedFunctions: 1,
        errorRatio: 0.25,
        lossyDecode: false,
      },
      { path: 'latin1.c', lang: 'c', functions: 1, changedFunctions: 0, errorRatio: 0, lossyDecode: true },
    ];
    const md = renderSummary(r, { backend: 'rules', model: 'none', durationMs: 1 });
    const section = md.slice(md.indexOf('### Parse warnings'));
    expect(section).toContain('### Parse warnings');
    const items = section.split('\n').filter((l) => l.startsWith('- '));
    expect(items).toHaveLength(2);
    expect(items[0]).toContain('25% of lines did not parse');
    expect(items[0]).not.toMatch(/@[A-Za-z]/);
    expect(items[0]).toContain('macros\\_');
    expect(items[1]).toContain('not valid UTF-8');
    expect(section).not.toContain('ok.c');
  });

  it('has no parse warnings section when every file parsed cleanly', () => {
    const md = renderSummary(result(), { backend: 'rules', model: 'none', durationMs: 1 });
    expect(md).not.toContain('Parse warnings');
  });
});

describe('renderTable / renderJson', () => {
  it('lists findings with confidence, CWE, place and name, and what went unanalysed', () => {
    const out = renderTable(result());
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^CONF\s+CWE\s+WHERE\s+FUNCTION\s+WHY$/);
    expect(lines[1]).toMatch(/^0\.93\s+CWE-120\s+src\/copy\.c:10\s+copy_name \(10-16\)\s+strcpy into buf/);
    expect(out).toContain(
      '2 findings in 5 changed functions (3 analysed, 1 unclassified, 1 not analysed); 1 file not analysed.',
    );
    expect(out).toContain('not analysed: big.c (too-large: over 1024 KB)');
    expect(out).not.toContain('vendor/x.c');
    const json = JSON.parse(renderJson(result()));
    expect(json.findings[0]).toMatchObject({
      ruleId: 'vulnreview/CWE-120',
      file: 'src/copy.c',
      start: 10,
      line: 10,
      confidence: 0.93,
    });
  });

  it('gives each of several findings in one function its own row and line', () => {
    const r = result();
    r.findings = findingsOfVerdict(
      fn({ firstChangedLine: 11 }),
      verdict({
        backend: 'rules',
        hits: [
          { cwe: 'CWE-120', line: 3, reason: 'sprintf into a fixed buffer', confidence: 0.9, id: 'fmt' },
          { cwe: 'CWE-476', line: 2, reason: 'malloc unchecked', confidence: 0.7, id: 'null' },
        ],
      }),
    );
    r.stats = { ...r.stats, findings: 2 };
    const out = renderTable(r);
    expect(out).toMatch(/src\/copy\.c:12\s+copy_name \(10-16\)\s+sprintf into a fixed buffer/);
    expect(out).toMatch(/src\/copy\.c:11\s+copy_name \(10-16\)\s+malloc unchecked/);
    const json = JSON.parse(renderJson(r));
    expect(json.findings.map((f: { line: number; fingerprint: string }) => f.line)).toEqual([12, 11]);
    expect(new Set(json.findings.map((f: { fingerprint: string }) => f.fingerprint)).size).toBe(2);
    const md = renderSummary(r, {
      backend: 'rules',
      model: 'm',
      durationMs: 1,
      blobBaseUrl: 'https://x/blob/s',
    });
    expect(md).toContain('| Findings | 2 in 1 function:');
    expect(md).toContain('[src/copy.c:12](https://x/blob/s/src/copy.c#L12)');
    expect(md).toContain('[src/copy.c:11](https://x/blob/s/src/copy.c#L11)');
  });

  it('never says a bare "No findings" when functions went unanalysed', () => {
    const incomplete = { ...result(), findings: [] };
    incomplete.stats = { ...incomplete.stats, findings: 0 };
    const out = renderTable(incomplete);
    expect(out.split('\n')[0]).toBe(
      'No findings among the 3 analysed functions, but the analysis is incomplete: 2 not analysed or unclassified (below).',
    );
    const complete = { ...incomplete, skipped: [], unclassified: [] };
    complete.stats = { ...incomplete.stats, skipped: 0, unclassified: 0 };
    expect(renderTable(complete).split('\n')[0]).toBe('No findings.');
  });
});

describe('evaluateGate', () => {
  const findings = result().findings;
  it('passes when nothing reaches the threshold and everything was analysed', () => {
    expect(evaluateGate({ findings, unanalysed: 0, failOnConfidence: 0.95, onError: 'fail' })).toMatchObject({
      exitCode: 0,
      highConfidence: 0,
      failures: [],
    });
    expect(evaluateGate({ findings, unanalysed: 0, onError: 'fail' }).exitCode).toBe(0);
  });
  it('fails with 1 when a finding reaches fail-on-confidence', () => {
    const g = evaluateGate({ findings, unanalysed: 0, failOnConfidence: 0.93, onError: 'fail' });
    expect(g).toMatchObject({ exitCode: 1, highConfidence: 1 });
    expect(g.failures[0]).toContain('1 finding at or above confidence 0.93');
    const two = evaluateGate({ findings, unanalysed: 0, failOnConfidence: 0.1, onError: 'fail' });
    expect(two.failures[0]).toContain('2 findings at or above confidence 0.1');
  });
  it('fails with 3 on unanalysed functions under on-error fail, warns under warn: never a silent pass', () => {
    expect(evaluateGate({ findings: [], unanalysed: 2, onError: 'fail' }).exitCode).toBe(3);
    const warn = evaluateGate({ findings: [], unanalysed: 2, onError: 'warn' });
    expect(warn.exitCode).toBe(0);
    expect(warn.warnings[0]).toContain('2 changed functions or files were not analysed');
    const one = evaluateGate({ findings: [], unanalysed: 1, onError: 'warn' });
    expect(one.warnings[0]).toContain('1 changed function or file was not analysed');
    expect(evaluateGate({ findings, unanalysed: 2, failOnConfidence: 0.5, onError: 'fail' }).exitCode).toBe(
      1,
    );
  });
});

describe('formatConfidence', () => {
  it('rounds down, so a shown value never overstates what the gate compared', () => {
    expect(formatConfidence(0.8999)).toBe('0.89');
    expect(formatConfidence(0.9)).toBe('0.90');
    expect(formatConfidence(0.93)).toBe('0.93');
    expect(formatConfidence(1)).toBe('1.00');
    expect(formatConfidence(0)).toBe('0.00');
  });
});

describe('renderSummary on an incomplete run', () => {
  it('opens with a warning that names how many went without a verdict', () => {
    const md = renderSummary({ ...result(), findings: [] }, { backend: 'rules', model: 'm', durationMs: 10 });
    expect(md).toContain(
      '> **Incomplete analysis:** 2 of the changed functions or files got no yes/no verdict',
    );
    const complete = { ...result(), skipped: [], unclassified: [] };
    complete.stats = { ...complete.stats, skipped: 0, unclassified: 0 };
    expect(renderSummary(complete, { backend: 'rules', model: 'm', durationMs: 10 })).not.toContain(
      'Incomplete',
    );
  });
});
