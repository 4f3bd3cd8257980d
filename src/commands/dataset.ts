// `vulnreview dataset`: fine-tuning JSONL from a labelled data set. Wiring only: see src/eval/finetune-set.ts.
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../config.ts';
import { openDataset } from '../eval/dataset.ts';
import { buildFineTuneSet, renderFineTuneSummary } from '../eval/finetune-set.ts';
import { loadPrompt } from '../model/prompts.ts';
import { checkOutputFile, replaceWith, temporaryPathFor } from '../output-file.ts';

interface DatasetFlags {
  input: string;
  out: string;
  validationOut?: string;
  vulnerableShare: string;
  maxTokens: string;
  prompt: string;
  cweAnswers?: boolean;
  seed: string;
  validationShare: string;
}

function number(value: string, flag: string, ok: (n: number) => boolean, expected: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !ok(n)) throw new InputError(flag, value, expected);
  return n;
}

/** The file a path names, links followed where it exists, so two spellings of one file compare equal. */
function fileIdentity(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Refuses outputs that would overwrite the input or each other (the input is truncated before it is read). */
function checkDistinct(input: string, out: string, validationOut: string): void {
  const source = fileIdentity(input);
  if (fileIdentity(out) === source) throw new InputError('--out', out, 'a file other than --input');
  if (fileIdentity(validationOut) === source) {
    throw new InputError('--validation-out', validationOut, 'a file other than --input');
  }
  if (fileIdentity(validationOut) === fileIdentity(out)) {
    throw new InputError('--validation-out', validationOut, 'a file other than --out');
  }
}

/** `train.jsonl` → `train.validation.jsonl`. */
export function validationPathFor(out: string): string {
  return /\.jsonl$/i.test(out) ? out.replace(/\.jsonl$/i, '.validation.jsonl') : `${out}.validation.jsonl`;
}

export function registerDatasetCommand(program: Command): void {
  program
    .command('dataset')
    .description(
      'fine-tuning JSONL ({messages: [...]}) from a labelled data set, built with the inference prompt',
    )
    .requiredOption('--input <file>', 'labelled data: .jsonl or Draper VDISC .h5/.hdf5')
    .requiredOption('--out <file>', 'training JSONL to write')
    .option('--validation-out <file>', 'validation JSONL (default: OUT with .validation.jsonl)')
    .option('--vulnerable-share <share>', "share of vulnerable samples (the seed's best: 0.25)", '0.25')
    .option(
      '--max-tokens <n>',
      'drop examples over this many tokens (estimated as characters / 4); 0 keeps all',
      '2048',
    )
    .option('--prompt <p>', 'pd-1 | pd-2 | a template file (use the same one for eval and serving)', 'pd-1')
    .option('--cwe-answers', 'answers name the class ("Yes: CWE-120"); evaluate with a cwe-style prompt')
    .option('--seed <s>', 'seed of the sampling and split', '1')
    .option('--validation-share <share>', 'share of samples, by whole groups, held out for validation', '0.1')
    .action(async (flags: DatasetFlags) => {
      const vulnerableShare = number(
        flags.vulnerableShare,
        '--vulnerable-share',
        (n) => n > 0 && n < 1,
        'a number in (0, 1)',
      );
      const validationShare = number(
        flags.validationShare,
        '--validation-share',
        (n) => n >= 0 && n < 1,
        'a number in [0, 1)',
      );
      const maxTokens = number(
        flags.maxTokens,
        '--max-tokens',
        (n) => Number.isInteger(n) && n >= 0,
        'a whole number ≥ 0',
      );
      const seed = number(flags.seed, '--seed', (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
      const validationOut = flags.validationOut ?? validationPathFor(flags.out);
      checkDistinct(flags.input, flags.out, validationOut);
      // Both outputs are checked before any work, and written to temporary files renamed into place
      // once complete: a bad path fails at once (exit 2), and an existing file is never left emptied.
      await checkOutputFile(flags.out, '--out');
      await checkOutputFile(validationOut, '--validation-out');
      const prompt = loadPrompt(flags.prompt);
      const source = await openDataset(flags.input);
      for (const out of [flags.out, validationOut]) await mkdir(dirname(resolve(out)), { recursive: true });
      const temporary = { train: temporaryPathFor(flags.out), validation: temporaryPathFor(validationOut) };
      let summary: Awaited<ReturnType<typeof buildFineTuneSet>>;
      try {
        summary = await buildFineTuneSet({
          source,
          prompt,
          trainOut: temporary.train,
          validationOut: temporary.validation,
          vulnerableShare,
          maxTokens,
          cweAnswers: flags.cweAnswers === true,
          seed,
          validationShare,
        });
        await replaceWith(temporary.train, flags.out);
        // No validation rows (--validation-share 0, or no group to hold out): no validation file.
        if (existsSync(temporary.validation)) await replaceWith(temporary.validation, validationOut);
      } finally {
        await Promise.all([rm(temporary.train, { force: true }), rm(temporary.validation, { force: true })]);
      }
      console.log(renderFineTuneSummary(summary));
      const files =
        Object.keys(summary.validation).length > 0 ? `${flags.out} and ${validationOut}` : flags.out;
      console.log(`\nWrote ${files} (prompt ${prompt.id}${flags.cweAnswers ? ', CWE answers' : ''}).`);
    });
}
