import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../src/eval/dataset.ts';
import {
  buildFineTuneSet,
  estimateTokens,
  type FineTuneOptions,
  renderFineTuneSummary,
} from '../../src/eval/finetune-set.ts';
import { buildMessages, type ChatMessage, PD1 } from '../../src/model/prompts.ts';
import type { VdiscClass } from '../../src/types.ts';
import { syntheticRows, type VdiscRow, writeVdiscFile } from './vdisc-fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vulnreview-finetune-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CLASSES: VdiscClass[] = ['CWE-120', 'CWE-119', 'CWE-469', 'CWE-476', 'CWE-other'];

async function readJsonl(path: string): Promise<{ messages: ChatMessage[] }[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

let builds = 0;
async function build(input: string, overrides: Partial<FineTuneOptions> = {}) {
  builds++;
  const trainOut = join(dir, `${builds}-train.jsonl`);
  const validationOut = join(dir, `${builds}-validation.jsonl`);
  const summary = await buildFineTuneSet({
    source: await openDataset(input),
    prompt: PD1,
    trainOut,
    validationOut,
    vulnerableShare: 0.25,
    maxTokens: 2048,
    cweAnswers: false,
    seed: 1,
    validationShare: 0.1,
    ...overrides,
  });
  return {
    summary,
    train: await readJsonl(trainOut),
    validation: await readJsonl(validationOut).catch(() => []),
  };
}

/** 600 rows, 60 vulnerable (12 per class): a VDISC-like minority of positives. */
function vdiscRows(): VdiscRow[] {
  const rows = syntheticRows(600, (i) => (i % 10 === 0 ? CLASSES[(i / 10) % 5]! : null));
  // Two whitespace-only copies of a negative (duplicates), one copy of a positive with label 0 (conflict),
  // and one function far over the token budget.
  rows.push({ source: rows[1]!.source.replace(/\n/g, '\n\n  '), classes: [] });
  rows.push({ source: `  ${rows[1]!.source}`, classes: [] });
  rows.push({ source: rows[10]!.source, classes: [] });
  rows.push({ source: `int huge(void)\n{\n${'  x++;\n'.repeat(3000)}}\n`, classes: ['CWE-other'] });
  return rows;
}

describe('buildFineTuneSet on a VDISC HDF5 file', () => {
  it('builds a 25% split with the inference messages, dedup, length filter and a summary', async () => {
    const input = join(dir, 'vdisc-train.h5');
    const rows = vdiscRows();
    await writeVdiscFile(input, rows);
    const { summary, train, validation } = await build(input);

    expect(summary.conflicting).toBe(2); // row 10 and its label-0 copy
    expect(summary.duplicates).toBe(2);
    expect(summary.tooLong).toBe(1);
    const all = [...train, ...validation];
    const answers = all.map((example) => example.messages.at(-1)!);
    const vulnerable = answers.filter((m) => m.content === 'Yes').length;
    // 59 positives left (60, minus the conflicting one), and three negatives each.
    expect(vulnerable).toBe(59);
    expect(all.length).toBe(59 * 4);
    expect(vulnerable / all.length).toBe(0.25);
    expect(validation.length).toBeGreaterThanOrEqual(Math.round(all.length * 0.1));
    expect(validation.length).toBeLessThan(Math.round(all.length * 0.1) + 2);

    // Every example is exactly what inference asks plus the answer, and appears once.
    const expected = new Map(
      rows.map((row) => {
        const messages = buildMessages(PD1, { source: row.source, lang: 'c' });
        return [messages.at(-1)!.content, { messages, yes: row.classes.length > 0 }];
      }),
    );
    const seen = new Set<string>();
    for (const example of all) {
      const question = example.messages.at(-2)!.content;
      const want = expected.get(question);
      expect(want, 'an example whose question no input row produces').toBeDefined();
      expect(example.messages).toEqual([
        ...want!.messages,
        { role: 'assistant', content: want!.yes ? 'Yes' : 'No' },
      ]);
      expect(seen.has(question)).toBe(false);
      seen.add(question);
    }
    expect(seen.has(buildMessages(PD1, { source: rows[10]!.source, lang: 'c' })[0]!.content)).toBe(false);
    expect(all.every((e) => estimateTokens(e.messages) <= 2048)).toBe(true);

    const printed = renderFineTuneSummary(summary);
    expect(printed).toMatch(/\| vulnerable share \| 10\.1% \| 25\.\d% \| 2\d\.\d% \|/);
    // The split keeps the share on both sides (within one sample).
    const trainYes = train.filter((e) => e.messages.at(-1)!.content === 'Yes').length;
    expect(Math.abs(trainYes - train.length / 4)).toBeLessThanOrEqual(1);
    expect(printed).toMatch(
      /Duplicates dropped: 2; conflicting-label copies dropped: 2; over the token budget: 1/,
    );
    expect((summary.train['CWE-120'] ?? 0) + (summary.validation['CWE-120'] ?? 0)).toBe(12);
  });

  it('is deterministic for a seed and CWE answers name the class', async () => {
    const input = join(dir, 'vdisc-small.h5');
    await writeVdiscFile(
      input,
      syntheticRows(80, (i) => (i % 8 === 0 ? 'CWE-476' : null)),
    );
    const a = await build(input, { seed: 5, cweAnswers: true, validationShare: 0 });
    const b = await build(input, { seed: 5, cweAnswers: true, validationShare: 0 });
    expect(a.train).toEqual(b.train);
    expect(a.validation).toEqual([]);
    const answers = new Set(a.train.map((e) => e.messages.at(-1)!.content));
    expect(answers).toEqual(new Set(['Yes: CWE-476', 'No']));
  });

  it('downsamples positives, keeping their class mix, when negatives are too few', async () => {
    const input = join(dir, 'mostly-vulnerable.h5');
    await writeVdiscFile(
      input,
      syntheticRows(100, (i) => (i % 5 === 0 ? null : i % 2 ? 'CWE-120' : 'CWE-119')),
    );
    const { summary, train, validation } = await build(input, { validationShare: 0 });
    const all = [...train, ...validation];
    expect(all.filter((e) => e.messages.at(-1)!.content === 'No')).toHaveLength(20);
    expect(all).toHaveLength(27); // 20 negatives + round(20·0.25/0.75) = 7 positives
    expect(summary.balancing).toMatch(/positives downsampled/);
    expect(Math.abs((summary.train['CWE-120'] ?? 0) - (summary.train['CWE-119'] ?? 0))).toBeLessThanOrEqual(
      1,
    );
  });
});

describe('buildFineTuneSet on grouped JSONL', () => {
  it('never splits a group across train and validation', async () => {
    const lines: string[] = [];
    for (let g = 0; g < 60; g++) {
      for (let m = 0; m < 4; m++) {
        const label = m === 0 ? 1 : 0;
        lines.push(
          JSON.stringify({
            id: `g${g}/${m}`,
            source: `int g${g}_${m}(int *p)\n{\n    return p[${m}];\n}\n`,
            label,
            vdisc: label ? 'CWE-119' : null,
            lang: 'c',
            group: `group-${g}`,
          }),
        );
      }
    }
    const input = join(dir, 'groups.jsonl');
    await writeFile(input, `${lines.join('\n')}\n`);
    const { summary, train, validation } = await build(input, { validationShare: 0.3 });
    const groupOf = (e: { messages: ChatMessage[] }) => /int g(\d+)_/.exec(e.messages[0]!.content)![1];
    const trainGroups = new Set(train.map(groupOf));
    const validationGroups = new Set(validation.map(groupOf));
    expect(validationGroups.size).toBeGreaterThan(0);
    expect([...validationGroups].filter((g) => trainGroups.has(g))).toEqual([]);
    expect(summary.validationGroups).toBe(validationGroups.size);
    expect(train.length + validation.length).toBe(240);
  });
});
