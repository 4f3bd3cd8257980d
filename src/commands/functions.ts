// `vulnreview functions --diff FILE [--root DIR]`: the changed functions of a diff, as JSON on stdout.
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { InputError } from '../config.ts';
import { DiffParseError, parseUnifiedDiff } from '../diff/parse.ts';
import { DEFAULT_MAX_FILE_BYTES, findChangedFunctions } from '../extract/index.ts';
import { fileWarnings } from '../extract/warnings.ts';
import { directoryReader, isDirectory } from '../git/worktree.ts';

interface FunctionsOptions {
  diff: string;
  root: string;
  maxFileSize?: number;
  paths: string[];
  pathsIgnore: string[];
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(/[\n,]/).filter((v) => v.trim() !== '')];
}

async function run(options: FunctionsOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(options.diff, 'utf8');
  } catch (error) {
    throw new Error(`cannot read --diff ${options.diff}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let changes: ReturnType<typeof parseUnifiedDiff>;
  try {
    changes = parseUnifiedDiff(text);
  } catch (error) {
    if (error instanceof DiffParseError) throw new Error(`${options.diff}: ${error.message}`);
    throw error;
  }
  if (!(await isDirectory(options.root))) {
    throw new InputError('--root', options.root, 'a directory holding the new-side files');
  }
  const result = await findChangedFunctions(changes, directoryReader(options.root), {
    maxFileBytes:
      options.maxFileSize === undefined ? DEFAULT_MAX_FILE_BYTES : Math.round(options.maxFileSize * 1024),
    paths: options.paths,
    pathsIgnore: options.pathsIgnore,
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
    .requiredOption('--diff <file>', 'unified diff (git diff, diff -u, or a .patch)')
    .option('--root <dir>', 'where the new-side files are read from', '.')
    .option('--max-file-size <KB>', 'skip files larger than this many KiB (default 1024)', positiveNumber)
    .option('--paths <glob...>', 'only analyse files matching these globs (CodeQL semantics)', collect, [])
    .option('--paths-ignore <glob...>', 'leave out files matching these globs', collect, [])
    .action((options: FunctionsOptions) => run(options));
}
