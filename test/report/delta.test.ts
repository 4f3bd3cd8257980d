// Reporters on findings that carry a baseline state and an explanation: the gate under `report: new`, the
// review's pre-existing list (once, collapsed, never a "posted" marker), suggestions placed so GitHub
// applies them to exactly the fixed lines, the summary's delta sections and SARIF's baselineState.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { emptyPipelineResult } from '../../src/pipeline.ts';
import { isPreExisting, reportedFindings } from '../../src/report/baseline.ts';
import { evaluateGate } from '../../src/report/gate.ts';
import { commentBody, fingerprintsIn, planReview, reviewBody } from '../../src/report/review.ts';
import { buildSarif } from '../../src/report/sarif.ts';
import { suggestionFor } from '../../src/report/suggestion.ts';
import { renderSummary } from '../../src/report/summary.ts';
import type { PipelineResult } from '../../src/result.ts';
import type { BaselineState, Finding } from '../../src/types.ts';
import { change, finding } from './fixtures.ts';

const at = (f: Finding, state: BaselineState, baseConfidence?: number): Finding => ({
  ...f,
  baseline: baseConfidence === undefined ? { state } : { state, baseConfidence },
});

/** A function of its own name and text (the fingerprint is the rule and the text). */
const named = (name: string, start: number) => ({
  name,
  start,
  end: start + 6,
  source: `void ${name}(char *d, const char *s) {\n  char buf[16];\n  strcpy(buf, s);\n  strcpy(d, buf);\n}\n`,
});
const fresh = at(finding(named('fresh', 40), { confidence: 0.95 }), 'new', 0.1);
const old = at(finding(named('old', 10), { confidence: 0.93 }), 'unchanged', 0.92);
const moved = at(finding(named('moved', 60), { confidence: 0.91 }), 'updated', 0.9);
const unknown = finding(named('unknown', 80), { confidence: 0.97 });

describe('report: new', () => {
  it('the gate considers new findings and those with no known base, never pre-existing ones', () => {
    const gate = (report: 'new' | 'all') =>
      evaluateGate({
        findings: [fresh, old, moved, unknown],
        unanalysed: 0,
        failOnConfidence: 0.9,
        onError: 'fail',
        report,
      });
    expect(gate('new')).toMatchObject({ exitCode: 1, highConfidence: 2 });
    expect(gate('new').failures[0]).toBe('2 new findings at or above confidence 0.9');
    expect(gate('all')).toMatchObject({ exitCode: 1, highConfidence: 4 });
    expect(
      evaluateGate({
        findings: [old, moved],
        unanalysed: 0,
        failOnConfidence: 0.5,
        onError: 'fail',
        report: 'new',
      }).exitCode,
    ).toBe(0);
    expect([fresh, old, moved, unknown].map(isPreExisting)).toEqual([false, true, true, false]);
  });
});

describe('the review under report: new', () => {
  const changes = [change({ addedLines: [12, 42], hunks: [{ newStart: 9, newLines: 60 }] })];

  it('comments on new findings and lists pre-existing ones once, collapsed, without posted markers', () => {
    const plan = planReview({
      findings: reportedFindings([fresh, old, moved], 'new'),
      preExisting: [old, moved],
      changes,
      existing: [],
      maxComments: 30,
    });
    expect(plan.inline.map((c) => c.finding.fn.name)).toEqual(['fresh']);
    expect(plan.preExisting.map((f) => f.fn.name)).toEqual(['old', 'moved']);
    const body = reviewBody(plan);
    expect(body).toContain(
      '<summary>2 findings were already there before this PR (not commented, not gating)</summary>',
    );
    expect(body).toContain('`old` (CWE-120, confidence 0.93, was 0.92)');
    expect(body).toContain('`moved` (CWE-120, confidence 0.91, was 0.90; its class or flagged line changed)');
    // Not "posted": should one turn new later, it still gets its comment.
    expect(fingerprintsIn(body)).toEqual([]);

    // The next run sees that body: nothing to list again, so no review at all.
    const again = planReview({
      findings: [fresh].map((f) => f),
      preExisting: [old, moved],
      changes,
      existing: [],
      existingReviewBodies: [body],
      maxComments: 30,
    });
    expect(again.preExisting).toEqual([]);
  });

  it('keeps an earlier comment on a finding that is now pre-existing (it is not fixed)', () => {
    const comment = {
      id: 5,
      path: 'src/copy.c',
      body: commentBody(old),
      author: { login: 'github-actions[bot]', type: 'Bot' },
    };
    const plan = planReview({
      findings: [],
      preExisting: [old],
      changes,
      existing: [comment],
      maxComments: 30,
    });
    expect(plan.remove).toEqual([]);
    expect(plan.markFixed).toEqual([]);
    expect(plan.preExisting).toEqual([]); // already commented: not listed again either
  });
});

describe('explanations in comments', () => {
  const explained: Finding = {
    ...fresh,
    line: 43,
    explanation: {
      line: 43,
      reason: 'The [link](http://evil) and <img src=x> and @octocat are text. ``` breaks nothing',
      model: 'qwen`coder',
      suggestion: {
        startLine: 42,
        endLine: 43,
        code: '  if (n >= sizeof buf) return;\n  ```` memcpy(buf, s, n);',
      },
    },
  };
  const added = change({ addedLines: [41, 42, 43], hunks: [{ newStart: 38, newLines: 10 }] });

  it('escapes the reason and the model name like any model text', () => {
    const body = commentBody(explained);
    expect(body).toContain(
      // The URL's autolink is broken with a zero-width space, like every URL in model text.
      'The \\[link\\]\\(http:\u200b//evil\\) and &lt;img src=x&gt; and @\u200boctocat are text.',
    );
    expect(body).toContain("explained by `qwen'coder`");
  });

  it('places a suggestion on exactly its lines, in a fence nothing in the code can close', () => {
    const s = suggestionFor(explained, added);
    expect(s).toEqual({
      line: 43,
      startLine: 42,
      block: '`````suggestion\n  if (n >= sizeof buf) return;\n  ```` memcpy(buf, s, n);\n`````',
    });
    const plan = planReview({ findings: [explained], changes: [added], existing: [], maxComments: 30 });
    expect(plan.inline[0]).toMatchObject({ line: 43, startLine: 42 });
    expect(plan.inline[0]!.body).toContain(s!.block);
  });

  it('gives no suggestion for lines the change did not add, outside one hunk, or outside the function', () => {
    expect(
      suggestionFor(explained, change({ addedLines: [43], hunks: [{ newStart: 38, newLines: 10 }] })),
    ).toBeUndefined();
    expect(
      suggestionFor(
        explained,
        change({
          addedLines: [42, 43],
          hunks: [
            { newStart: 38, newLines: 5 },
            { newStart: 43, newLines: 3 },
          ],
        }),
      ),
    ).toBeUndefined();
    const outside = {
      ...explained,
      explanation: { ...explained.explanation!, suggestion: { startLine: 39, endLine: 40, code: 'x' } },
    };
    expect(
      suggestionFor(outside, change({ addedLines: [39, 40], hunks: [{ newStart: 38, newLines: 10 }] })),
    ).toBeUndefined();
    // Without a suggestion the comment still sits on the explained line.
    const plan = planReview({
      findings: [{ ...explained, explanation: { ...explained.explanation!, suggestion: undefined } }],
      changes: [added],
      existing: [],
      maxComments: 30,
    });
    expect(plan.inline[0]).toMatchObject({ line: 43, startLine: 40 });
  });
});

function resultWith(findings: Finding[]): PipelineResult {
  const r = emptyPipelineResult([]);
  return {
    ...r,
    findings,
    stats: { ...r.stats, findings: findings.length },
    baseline: {
      margin: 0.2,
      fixed: [
        {
          fn: finding({ name: 'was_bad' }).fn,
          base: finding({ name: 'was_bad' }, { confidence: 0.88 }),
          headConfidence: 0.12,
        },
      ],
      notes: [
        'The time budget ran out before the base versions of 1 changed function were analysed: their findings count as new.',
      ],
      stats: {
        matched: 3,
        moved: 0,
        added: 1,
        baseFilesRead: 1,
        baseAnalysed: 3,
        baseRequests: 2,
        baseCached: 1,
        baseUnknown: 1,
        states: { new: 2, unchanged: 1, updated: 1 },
        fixed: 1,
      },
    },
    explanations: {
      asked: 2,
      explained: 1,
      failed: 1,
      fromBackend: 0,
      notReached: 0,
      model: 'qwen',
      failures: ['HTTP 500'],
    },
  };
}

describe('the summary with a baseline', () => {
  const ctx = { backend: 'endpoint', model: 'm', durationMs: 1000, failOnConfidence: 0.9 };

  it('lists new findings, what was already there (collapsed), what the PR fixed, the cost and failed explanations', () => {
    const md = renderSummary(resultWith([fresh, old, moved, unknown]), { ...ctx, report: 'new' });
    expect(md).toContain(
      '| Compared with the base | 3 changed functions had a base version (1 new), 3 compared; 2 extra model requests, 1 from cache; 1 not compared (findings there count as new) |',
    );
    expect(md).toContain('| Against the base | 2 new, 2 already there, 1 fixed (margin 0.2) |');
    expect(md).toContain('2 new at or above the gate (0.9)');
    expect(md).toContain(
      '| Explanations | 1 explained by `qwen`, **1 failed** (those findings stand without an explanation) |',
    );
    const newTable = md.slice(md.indexOf('### New findings'), md.indexOf('<details>'));
    expect(newTable).toContain('`fresh`');
    expect(newTable).toContain('`unknown`');
    expect(newTable).not.toContain('`old`');
    expect(md).toContain('<summary><b>Already there before this PR</b>: 2 findings');
    expect(md).toContain('| 0.91 | 0.90 (updated) | CWE-120 | `moved` |');
    expect(md).toContain('### Fixed by this PR');
    expect(md).toContain('| 0.88 | 0.12 | CWE-120 | `was_bad` |');
    expect(md).toContain('- The time budget ran out before the base versions of 1 changed function');
  });

  it('under report: all every finding is in the one table, none listed apart', () => {
    const md = renderSummary(resultWith([fresh, old]), { ...ctx, report: 'all' });
    expect(md).toContain('### Findings');
    expect(md).not.toContain('Already there before this PR');
    expect(md).toContain('`old`');
  });
});

describe('SARIF with a baseline', () => {
  const schema = JSON.parse(
    readFileSync(new URL('../testdata/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8'),
  );
  const validate = new Ajv2020({ strict: false, validateSchema: false, validateFormats: false }).compile(
    schema,
  );

  it('carries baselineState and the base side’s confidence, and stays valid', () => {
    const sarif = buildSarif({
      findings: [fresh, old, moved, unknown],
      skipped: [],
      unclassified: [],
      analysed: 4,
      backend: 'endpoint',
      model: 'm',
      category: 'vulnreview/',
    });
    expect(validate(sarif)).toBe(true);
    // biome-ignore lint/suspicious/noExplicitAny: SARIF read back as JSON
    const results = (sarif as any).runs[0].results;
    expect(results.map((r: { baselineState?: string }) => r.baselineState)).toEqual([
      'new',
      'unchanged',
      'updated',
      undefined,
    ]);
    expect(results[1].properties.baseConfidence).toBe(0.92);
    expect(results[3].properties.baseConfidence).toBeUndefined();
  });
});
