// `vulnreview functions --diff FILE [--root DIR]`: the changed functions of a diff, as JSON on stdout.
import type { Command } from 'commander';
import { collectGlobs, parsePositiveInt } from '../config.ts';
import { DEFAULT_MAX_FILE_BYTES, findChangedFunctions } from '../extract/index.ts';
import { fileWarnings } from '../extract/warnings.ts';
import { loadMacrosFile } from './macros-file.ts';
import { fromPatchFile } from './patch-file.ts';

interface FunctionsOptions {
  diff: string;
  root: string;
  maxFileSize?: number;
  paths: string[];
  pathsIgnore: string[];
  macros?: string;
}

async function run(options: FunctionsOptions): Promise<void> {
  const { changes, readFile } = await fromPatchFile(options.diff, options.root);
  const macros = await loadMacrosFile(options.macros);
  const result = await findChangedFunctions(changes, readFile, {
    maxFileBytes: options.maxFileSize === undefined ? DEFAULT_MAX_FILE_BYTES : options.maxFileSize * 1024,
    paths: options.paths,
    pathsIgnore: options.pathsIgnore,
    ...(macros ? { macros } : {}),
    onWarning: (message) => console.error(`warning: ${message}`),
  });
  for (const s of result.skipped) console.error(`warning: skipped ${s.file} (${s.reason}): ${s.detail}`);
  for (const w of fileWarnings(result.files)) console.error(`warning: ${w}`);
  const out = result.functions.map(({ file, name, start, end, lang, source }) => ({
    file,
    name,
    start,
    end,
    lang,
    source,
  }));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

export function registerFunctionsCommand(program: Command): void {
  program
    .command('functions')
    .description(
      'print the C/C++ functions a unified diff changes, as JSON [{file, name, start, end, lang, source}]',
    )
    .requiredOption('--diff <file>', 'unified diff (git diff, diff -u, or a .patch); - reads stdin')
    .option('--root <dir>', 'where the new-side files are read from', '.')
    .option('--max-file-size <KB>', 'skip files larger than this many KiB (default 1024)', (v) =>
      parsePositiveInt(v, '--max-file-size', DEFAULT_MAX_FILE_BYTES / 1024),
    )
    .option(
      '--paths <glob...>',
      'only analyse files matching these globs (CodeQL semantics)',
      collectGlobs,
      [],
    )
    .option('--paths-ignore <glob...>', 'leave out files matching these globs', collectGlobs, [])
    .option(
      '--macros <file>',
      'project macros (clang-format keys: AttributeMacros, StatementMacros, …); a .clang-format at --root is read too',
    )
    .action((options: FunctionsOptions) => run(options));
}
