// `vulnreview eval`: the seed's tables for a backend on a labelled data set. Wiring only: reading and
// sampling live in src/eval/, judging in src/model/.
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError, parseBackend, parseConfidence, parseMargin } from '../config.ts';
import { openDataset } from '../eval/dataset.ts';
import { createProgress } from '../eval/progress.ts';
import { renderTables } from '../eval/report.ts';
import { runEval } from '../eval/run-eval.ts';
import { writeEvalReport } from '../eval/write-report.ts';
import { analyseAll } from '../model/analyse.ts';
import { FileVerdictCache } from '../model/cache.ts';
import { createBackend } from '../model/create.ts';
import { loadPrompt } from '../model/prompts.ts';
import { checkOutputFile } from '../output-file.ts';
import { waitingNote, watchBackend } from '../progress.ts';
import { count as counted } from '../report/words.ts';
import { onceCacheWarning } from './cache-warning.ts';
import { addModelOptions } from './model-options.ts';

export const DEFAULT_CACHE_DIR = '.vulnreview-cache';
export const DEFAULT_EVAL_OUT = 'vulnreview-eval';

interface EvalFlags {
  dataset: string;
  sample?: string;
  seed: string;
  out: string;
  targetPrecision: string;
  backend: string;
  endpoint?: string;
  model?: string;
  prompt: string;
  concurrency: string;
  timeout?: string;
  cache: string | false;
  failOnConfidence: string;
  baselineMargin?: string;
}

function wholeNumber(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new InputError(flag, value, `a whole number ≥ ${min}`);
  return n;
}

function share(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new InputError(flag, value, 'a number in (0, 1]');
  return n;
}

export function registerEvalCommand(program: Command): void {
  addModelOptions(program.command('eval'), {
    help: 'verdict cache (makes a stopped run resumable)',
    default: DEFAULT_CACHE_DIR,
  })
    .description(
      "the seed's tables (Table 4 and 5), PR curve and thresholds for a backend on a labelled data set",
    )
    .requiredOption(
      '--dataset <file>',
      'labelled data: .jsonl (../shared/data shape) or Draper VDISC .h5/.hdf5',
    )
    .option(
      '--sample <n>',
      'evaluate a stratified sample of N functions (class mix kept) instead of every row',
    )
    .option('--seed <s>', 'seed of the sample draw', '1')
    .option('--out <dir>', 'where eval.md, eval.json and pr-curve.svg go', DEFAULT_EVAL_OUT)
    .option('--target-precision <p>', 'report the confidence threshold that reaches this precision', '0.9')
    .option(
      '--fail-on-confidence <x>',
      'paired data: the gate that judges the pull requests introducing and fixing each flaw (default 0.5: every finding a comment shows)',
      '0.5',
    )
    .option(
      '--baseline-margin <p>',
      'paired data: P(vulnerable) rise that makes a finding flagged on both sides new (default 0.2)',
    )
    .action(async (flags: EvalFlags) => {
      process.exitCode = await runEvalCommand(flags);
    });
}

/**
 * Says on stderr how many samples got no verdict, which the tables leave out. Exit 3 (analysis
 * incomplete) when none got one: empty tables must not pass for a result.
 */
function reportUnanalysed(
  notAnalysed: Record<string, number>,
  analysed: number,
  firstError: string | undefined,
): number {
  const entries = Object.entries(notAnalysed).filter(([, n]) => n > 0);
  const missing = entries.reduce((sum, [, n]) => sum + n, 0);
  if (missing === 0) return 0;
  const why = entries.map(([reason, n]) => `${n} ${reason}`).join(', ');
  console.error(
    `vulnreview: ${missing} of ${counted(missing + analysed, 'function')} ${missing === 1 ? 'was' : 'were'} not analysed (${why}); the figures leave them out` +
      (firstError ? `. First error: ${firstError}` : ''),
  );
  if (analysed > 0) return 0;
  console.error('vulnreview: failed: no function was analysed, so there are no figures');
  return 3;
}

async function runEvalCommand(flags: EvalFlags): Promise<number> {
  const sample = flags.sample === undefined ? undefined : wholeNumber(flags.sample, '--sample', 1);
  const seed = wholeNumber(flags.seed, '--seed', 0);
  const targetPrecision = share(flags.targetPrecision, '--target-precision');
  const gate = {
    failOnConfidence: parseConfidence(flags.failOnConfidence, '--fail-on-confidence') ?? 0.5,
    margin: parseMargin(flags.baselineMargin ?? '', '--baseline-margin'),
  };
  const concurrency = wholeNumber(flags.concurrency, '--concurrency', 1);
  const timeoutSeconds = flags.timeout === undefined ? undefined : wholeNumber(flags.timeout, '--timeout', 1);
  // Before any work: the report folder must take the files (an unwritable --out would otherwise fail
  // after hours of asking the model), and --prompt must name a prompt even for the rules backend.
  for (const file of ['eval.md', 'eval.json', 'pr-curve.svg'])
    await checkOutputFile(join(flags.out, file), '--out');
  loadPrompt(flags.prompt);
  const source = await openDataset(flags.dataset);

  const created = await createBackend({
    backend: parseBackend(flags.backend, '--backend'),
    endpoint: flags.endpoint,
    model: flags.model,
    apiKey: process.env.VULNREVIEW_API_KEY || undefined,
    prompt: flags.prompt,
    timeoutSeconds,
    // What the server taught the client mid-run (a lower logprobs limit, token-id answers): it changes
    // what a confidence means, so the user hears it.
    onNotice: (message) => process.stderr.write(`vulnreview: notice: ${message}\n`),
  });
  const { notice } = created;
  const watched = watchBackend(created.backend);
  const { backend } = watched;
  if (notice) console.error(notice);
  const cache = flags.cache === false ? undefined : new FileVerdictCache(flags.cache);
  const onCacheError = onceCacheWarning((t) => process.stderr.write(t), flags.cache || '');

  // First Ctrl-C: stop asking, keep what is done, write it marked partial. A second one exits at once.
  const interrupt = new AbortController();
  const onSigint = () => {
    if (interrupt.signal.aborted) process.exit(130);
    console.error('\nInterrupted: finishing the report with the verdicts so far (Ctrl-C again to quit now).');
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  let progress: ReturnType<typeof createProgress> | undefined;
  let firstError: string | undefined;
  try {
    const report = await runEval({
      source,
      sample,
      seed,
      targetPrecision,
      gate,
      backend,
      // The rules backend asks no prompt: its hash identifies the rule set instead.
      prompt: backend.name === 'rules' ? 'none (rules)' : flags.prompt,
      signal: interrupt.signal,
      onLoaded: (count) => {
        if (sample !== undefined && sample > count) {
          console.error(
            `--sample ${sample} is more than the data set holds: every one of its ${count} rows is used.`,
          );
        }
        console.error(`Evaluating ${counted(count, 'function')} with ${backend.name} (${backend.model})…`);
        progress = createProgress(count, process.stderr, 'functions', {
          waiting: waitingNote(watched, flags.endpoint),
        });
      },
      onResult: (_, outcome) => {
        if ('skipped' in outcome && outcome.skipped.reason === 'backend-error')
          firstError ??= outcome.skipped.detail;
        progress?.tick();
      },
      judge: (inputs, hooks) => analyseAll(inputs, backend, { concurrency, cache, onCacheError, ...hooks }),
    });
    progress?.stop();
    const written = await writeEvalReport(report, flags.out);
    console.log(renderTables(report));
    console.error(`\nWrote ${written.join(', ')}`);
    if (report.run.partial) return 130;
    return reportUnanalysed(report.run.notAnalysed, report.metrics.detection.analysed, firstError);
  } finally {
    progress?.stop();
    process.off('SIGINT', onSigint);
    await backend.close?.();
  }
}
