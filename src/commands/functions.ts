// `vulnreview functions --diff FILE [--root DIR]`: the changed functions of a diff, as JSON on stdout.
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DiffParseError, parseUnifiedDiff } from '../diff/parse.ts';
import { DEFAULT_MAX_FILE_BYTES, findChangedFunctions } from '../extract/index.ts';

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

function inside(base: string, full: string): boolean {
  const rel = relative(base, full);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Reads new-side files below `root`, refusing anything that leads out of it: the diff and the tree are
 * untrusted input, so neither `+++ b/../../etc/passwd` nor a committed symlink `x.c -> ~/.ssh/id_rsa`
 * may make us read (and send to a model) a file outside the tree.
 */
export function rootReader(root: string): (path: string) => Promise<Uint8Array | undefined> {
  const base = resolve(root);
  const realBase = realpath(base).catch(() => base);
  return async (path) => {
    const full = resolve(base, path);
    if (!inside(base, full)) return undefined;
    try {
      if (!inside(await realBase, await realpath(full))) return undefined;
      return await readFile(full);
    } catch {
      return undefined;
    }
  };
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
  const result = await findChangedFunctions(changes, rootReader(options.root), {
    maxFileBytes:
      options.maxFileSize === undefined ? DEFAULT_MAX_FILE_BYTES : Math.round(options.maxFileSize * 1024),
    paths: options.paths,
    pathsIgnore: options.pathsIgnore,
  });
  for (const s of result.skipped) console.error(`warning: skipped ${s.file} (${s.reason}): ${s.detail}`);
  for (const f of result.files) {
    if (f.lossyDecode) console.error(`warning: ${f.path} is not valid UTF-8; read as latin1`);
    if (f.errorRatio > 0.1) {
      console.error(
        `warning: ${f.path}: ${Math.round(f.errorRatio * 100)}% of lines did not parse; some functions may be missing`,
      );
    }
  }
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
