// A throwaway git repository holding a generated corpus (bench/corpus.ts) as three commits, so the scale
// bench scans real `git diff` output through the CLI's git mode:
//   empty    — a README only
//   added    — every corpus file added
//   reindent — every corpus file re-indented (a whitespace-only change of every indented line)
// `node --import tsx bench/scale-repo.ts DIR FUNCTIONS` makes one by hand (to profile the CLI on it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CorpusFile, generateCorpus, reindent } from './corpus.ts';

export interface ScaleRepo {
  dir: string;
  files: CorpusFile[];
  /** Commit ids of the three states. */
  empty: string;
  added: string;
  reindent: string;
}

function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.invalid',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.invalid',
      GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
      GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    },
    maxBuffer: 1024 * 1024 * 1024,
  }).trim();
}

function writeAll(dir: string, files: readonly CorpusFile[], transform = (t: string) => t): void {
  for (const f of files) {
    const path = join(dir, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, transform(f.text));
  }
}

export function makeScaleRepo(dir: string, functions: number, seed = 1): ScaleRepo {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const files = generateCorpus(functions, seed);
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'core.autocrlf', 'false']);
  writeFileSync(join(dir, 'README'), 'scale bench\n');
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'empty']);
  const empty = git(dir, ['rev-parse', 'HEAD']);
  writeAll(dir, files);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'added']);
  const added = git(dir, ['rev-parse', 'HEAD']);
  writeAll(dir, files, reindent);
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '-m', 'reindent']);
  const reindented = git(dir, ['rev-parse', 'HEAD']);
  return { dir, files, empty, added, reindent: reindented };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, count] = process.argv.slice(2);
  if (!dir || !count) throw new Error('usage: scale-repo.ts DIR FUNCTIONS');
  const repo = makeScaleRepo(dir, Number(count));
  const { empty, added, reindent: reindented } = repo;
  console.log(JSON.stringify({ dir, files: repo.files.length, empty, added, reindent: reindented }));
}
