// Runs flawfinder and cppcheck over the same functions our rules see: each function in its own file
// (.c or .cpp by lang), many files per tool invocation. A function counts as flagged when the tool
// reports any finding for its file at or above the thresholds documented in bench/rules.md.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { Lang } from '../src/types.ts';

const run = promisify(execFile);

export interface PeerSample {
  source: string;
  lang: Lang;
}

export interface PeerResult {
  tool: string;
  version: string;
  /** Index into the samples of every flagged function. */
  flagged: Set<number>;
}

/** flawfinder findings at this risk level or above count (1 = everything it reports by default). */
export const FLAWFINDER_MIN_LEVEL = 1;
/** cppcheck severities that count; style/performance/information (and parse problems) do not. */
export const CPPCHECK_SEVERITIES = new Set(['error', 'warning', 'portability']);
/** cppcheck messages about its own trouble with a lone function, not about the code. */
const CPPCHECK_NOT_FINDINGS = new Set(['syntaxError', 'unknownMacro', 'internalAstError', 'cppcheckError']);

async function version(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run(cmd, args);
    return stdout.trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

function writeSamples(samples: readonly PeerSample[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'vulnreview-peers-'));
  samples.forEach((s, i) => {
    writeFileSync(join(dir, `f${i}.${s.lang === 'cpp' ? 'cpp' : 'c'}`), s.source);
  });
  return dir;
}

function indexOfFile(path: string): number | undefined {
  const m = /^f(\d+)\.(?:c|cpp)$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

/** undefined when flawfinder is not installed. */
export async function runFlawfinder(samples: readonly PeerSample[]): Promise<PeerResult | undefined> {
  const v = await version('flawfinder', ['--version']);
  if (!v) return undefined;
  const dir = writeSamples(samples);
  try {
    const { stdout } = await run(
      'flawfinder',
      ['--csv', '--quiet', `--minlevel=${FLAWFINDER_MIN_LEVEL}`, '--dataonly', dir],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const flagged = new Set<number>();
    for (const line of stdout.split('\n').slice(1)) {
      const file = line.split(',', 1)[0];
      const index = file ? indexOfFile(file) : undefined;
      if (index !== undefined) flagged.add(index);
    }
    return { tool: 'flawfinder', version: v, flagged };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** undefined when cppcheck is not installed. */
export async function runCppcheck(samples: readonly PeerSample[]): Promise<PeerResult | undefined> {
  const v = await version('cppcheck', ['--version']);
  if (!v) return undefined;
  const dir = writeSamples(samples);
  try {
    // cppcheck exits 0 with findings unless --error-exitcode is given; findings go to stderr.
    const { stderr } = await run(
      'cppcheck',
      [
        '--enable=warning,portability',
        '--template={file}\t{line}\t{severity}\t{id}',
        '--quiet',
        // one preprocessor configuration per file: a lone function has no build to pick one from, and
        // trying every #ifdef combination makes a few large functions take minutes
        '--max-configs=1',
        '-j2',
        dir,
      ],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const flagged = new Set<number>();
    for (const line of stderr.split('\n')) {
      const [file, , severity, id] = line.split('\t');
      if (!file || !severity || !id || !CPPCHECK_SEVERITIES.has(severity) || CPPCHECK_NOT_FINDINGS.has(id))
        continue;
      const index = indexOfFile(file);
      if (index !== undefined) flagged.add(index);
    }
    return { tool: 'cppcheck', version: v, flagged };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
