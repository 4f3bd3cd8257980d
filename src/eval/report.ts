// The evaluation written down: Markdown in the seed's table shapes (with its published figures beside
// ours) and JSON with everything, the PR curve's points included.
import type { SampleClass } from './dataset.ts';
import type { EvalMetrics } from './metrics.ts';
import { SEED_DETECTION, SEED_PER_CLASS, seedRowFor } from './seed-figures.ts';

export interface EvalRun {
  /** The data set as given on the command line. */
  dataset: string;
  format: 'jsonl' | 'hdf5';
  /** Rows in the data set file. */
  rows: number;
  /** Set when a stratified sample was drawn. */
  sample: { size: number; seed: number } | null;
  backend: string;
  model: string;
  prompt: string;
  promptHash: string;
  startedAt: string;
  finishedAt: string;
  /** Interrupted (Ctrl-C): the figures cover only the samples that were analysed. */
  partial: boolean;
  /** Samples without a verdict, by reason (`not-reached` when the run stopped first). */
  notAnalysed: Record<string, number>;
  /** Verdicts served from the verdict cache. */
  cached: number;
  /** Evaluated samples per class. */
  classMix: Partial<Record<SampleClass, number>>;
}

export interface EvalReport {
  run: EvalRun;
  metrics: EvalMetrics;
}

const CLASS_TITLES: Record<SampleClass, string> = {
  'CWE-120': 'CWE-120',
  'CWE-119': 'CWE-119',
  'CWE-469': 'CWE-469',
  'CWE-476': 'CWE-476',
  'CWE-other': 'CWE-other',
  'vulnerable-unclassed': 'Vulnerable, no class',
  'non-vulnerable': 'Non-vulnerable',
};

/** Table 5 row order as in the seed: the CWE classes by number, then Non-vulnerable. */
const TABLE5_ORDER: readonly SampleClass[] = [
  'CWE-119',
  'CWE-120',
  'CWE-469',
  'CWE-476',
  'CWE-other',
  'vulnerable-unclassed',
  'non-vulnerable',
];

export const fmt = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits);

const pct = (part: number, whole: number): string =>
  whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`;

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function runBlock(run: EvalRun): string {
  const notAnalysed = Object.entries(run.notAnalysed).filter(([, n]) => n > 0);
  const lines = [
    `- Data set: \`${run.dataset}\` (${run.format}, ${run.rows} rows)` +
      (run.sample ? `, stratified sample of ${run.sample.size} with seed ${run.sample.seed}` : ', every row'),
    `- Backend: ${run.backend}, model \`${run.model}\`, prompt ${run.prompt} (hash \`${run.promptHash}\`)`,
    `- Class mix: ${TABLE5_ORDER.filter((c) => run.classMix[c])
      .map((c) => `${CLASS_TITLES[c]} ${run.classMix[c]}`)
      .join(', ')}`,
    `- Run: ${run.startedAt} → ${run.finishedAt}; ${run.cached} verdicts from the cache`,
    notAnalysed.length > 0
      ? `- Not analysed (left out of every figure): ${notAnalysed.map(([reason, n]) => `${n} ${reason}`).join(', ')}`
      : '- Not analysed: none',
  ];
  return lines.join('\n');
}

export function detectionTable(report: EvalReport): string {
  const { run, metrics } = report;
  const d = metrics.detection;
  const rows = [[run.model, run.prompt, String(d.unclassified), fmt(d.precision), fmt(d.recall), fmt(d.f1)]];
  const seed = seedRowFor(run.model, run.prompt);
  if (seed) {
    rows.push([
      `${seed.model} (seed)`,
      seed.prompt.toUpperCase(),
      String(seed.unclassified),
      fmt(seed.precision),
      fmt(seed.recall),
      fmt(seed.f1),
    ]);
  }
  return table(['Model', 'Prompt', 'Unclassified', 'Precision', 'Recall', 'F1-score'], rows);
}

export function classTable(report: EvalReport): string {
  const byClass = new Map(report.metrics.perClass.map((row) => [row.cls, row]));
  const rows = TABLE5_ORDER.flatMap((cls) => {
    const row = byClass.get(cls);
    return row
      ? [
          [
            CLASS_TITLES[cls],
            String(row.correct),
            String(row.incorrect),
            fmt(row.accuracy),
            String(row.unclassified),
          ],
        ]
      : [];
  });
  return table(['CWE', 'Correct', 'Incorrect', 'Accuracy', 'of them unclassified'], rows);
}

function thresholdBlock(metrics: EvalMetrics): string {
  const pr = metrics.prCurve;
  if (!pr) return `No precision–recall curve: ${metrics.prCurveMissing ?? 'no confidences'}.`;
  const best = pr.bestF1;
  const target = pr.atTargetPrecision;
  const lines = [
    `- PR-AUC (average precision): ${fmt(pr.averagePrecision)} (flagging at random up to the same recall would score about ${fmt((pr.positives / (pr.positives + pr.negatives)) * pr.points.at(-1)!.recall)})`,
    `- Best F1: ${fmt(best.f1)} at confidence ≥ ${fmt(best.threshold)} (precision ${fmt(best.precision)}, recall ${fmt(best.recall)})`,
    target
      ? `- Precision ≥ ${fmt(pr.targetPrecision, 2)}: set \`fail-on-confidence\` to ${fmt(target.threshold)} (precision ${fmt(target.precision)}, recall ${fmt(target.recall)}, ${target.truePositives + target.falsePositives} samples flagged)`
      : `- Precision ≥ ${fmt(pr.targetPrecision, 2)}: reached at no threshold (highest precision ${fmt(Math.max(...pr.points.map((p) => p.precision)))}); no \`fail-on-confidence\` value gives it on this data`,
    `- The curve is the merge gate's: at X a function counts as flagged when its verdict is vulnerable and its confidence ≥ X, so it ends at recall ${fmt(pr.points.at(-1)!.recall)} (no lower threshold flags more)`,
    `- ${pr.points.length} distinct confidence values; the chart is \`pr-curve.svg\` beside this file`,
  ];
  return lines.join('\n');
}

/**
 * Pairwise accuracy, and what the gate would have done to the pull request that introduces each pair's
 * flaw and to the one that fixes it, under `report: new` and `report: all`.
 */
export function pairDeltaBlock(metrics: EvalMetrics): string {
  const d = metrics.pairDelta;
  if (!d) return '';
  const cell = (o: { commented: number; failed: number }) =>
    `${o.commented} (${pct(o.commented, d.pairs)}) / ${o.failed} (${pct(o.failed, d.pairs)})`;
  return [
    `Pairwise accuracy: **${fmt(d.pairwiseAccuracy)}** — in ${d.above} of ${d.pairs} pairs P(vulnerable) of the vulnerable version is above the fixed one's; ${d.ties} ties (the same score for both), ${d.below} below.`,
    '',
    `One pull request per pair in each direction, judged as the action judges it (fail-on-confidence ${d.gate.failOnConfidence}, baseline margin ${d.gate.margin}): commented / failed the check.`,
    '',
    table(
      ['Pull request', 'report: new', 'report: all'],
      [
        ['introduces the flaw (fixed → vulnerable): a catch', cell(d.introduce.new), cell(d.introduce.all)],
        ['fixes the flaw (vulnerable → fixed): a false alarm', cell(d.fix.new), cell(d.fix.all)],
      ],
    ),
  ].join('\n');
}

function pairBlock(metrics: EvalMetrics): string {
  const p = metrics.pairs;
  if (!p) return 'No pairs in this data (a pair is a group of one vulnerable and one fixed function).';
  const delta = pairDeltaBlock(metrics);
  return (
    (delta ? `${delta}\n\n` : '') +
    table(
      ['Pairs', 'Told apart', 'Both flagged', 'Neither flagged', 'Reversed'],
      [
        [
          String(p.pairs),
          `${p.toldApart} (${pct(p.toldApart, p.pairs)})`,
          `${p.bothFlagged} (${pct(p.bothFlagged, p.pairs)})`,
          `${p.neitherFlagged} (${pct(p.neitherFlagged, p.pairs)})`,
          `${p.reversed} (${pct(p.reversed, p.pairs)})`,
        ],
      ],
    )
  );
}

/** The seed's published Table 4 and Table 5, for reference beside any run. */
export function seedReferenceBlock(): string {
  const t4 = table(
    ['Model (seed)', 'Prompt', 'Unclassified', 'Precision', 'Recall', 'F1-score'],
    SEED_DETECTION.filter((row) => row.fineTuned || row.model === 'GPT-4-0613').map((row) => [
      row.model,
      row.prompt.toUpperCase(),
      String(row.unclassified),
      fmt(row.precision),
      fmt(row.recall),
      fmt(row.f1),
    ]),
  );
  const t5 = table(
    ['CWE (seed, fine-tuned Llama-3)', 'Correct', 'Incorrect', 'Accuracy'],
    SEED_PER_CLASS.map((row) => [row.cls, String(row.correct), String(row.incorrect), fmt(row.accuracy)]),
  );
  return [
    "The seed's published figures (5,000 Draper VDISC test functions, 350 vulnerable, PD-1):",
    '',
    t4,
    '',
    t5,
  ].join('\n');
}

/** The tables alone, as printed on the terminal. */
export function renderTables(report: EvalReport): string {
  const partial = report.run.partial
    ? 'PARTIAL RESULTS (interrupted): figures cover the analysed samples only.\n\n'
    : '';
  return [
    `${partial}Detection (the seed's Table 4; unclassified count as not flagged):`,
    detectionTable(report),
    '',
    "Per class (the seed's Table 5):",
    classTable(report),
    '',
    thresholdBlock(report.metrics),
    '',
    pairBlock(report.metrics),
  ].join('\n');
}

export function renderMarkdown(report: EvalReport): string {
  const title = report.run.partial ? '# vulnreview eval (partial: interrupted)' : '# vulnreview eval';
  return [
    title,
    '',
    runBlock(report.run),
    '',
    "## Detection (the seed's Table 4)",
    '',
    'Unclassified answers are counted, then treated as not flagged for precision, recall and F1 (the seed classified them by hand).',
    '',
    detectionTable(report),
    '',
    "## Per class (the seed's Table 5)",
    '',
    'Correct: a vulnerable sample flagged, or a non-vulnerable one not flagged.',
    '',
    classTable(report),
    '',
    '## Confidence thresholds',
    '',
    thresholdBlock(report.metrics),
    '',
    '## Pairs (vulnerable and fixed versions of one function)',
    '',
    pairBlock(report.metrics),
    '',
    '## Reference',
    '',
    seedReferenceBlock(),
    '',
  ].join('\n');
}

export function renderJson(report: EvalReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
