// Runs the action's run() in-process the way the Actions runner would: inputs as INPUT_* variables, the
// event payload in a file, outputs and the step summary written to files, against loopback servers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { run } from '../../src/action.ts';
import type { FakePrFile, GitHubServer } from '../helpers/github-server.ts';

export interface ActionRun {
  outputs: Record<string, string>;
  summary: string;
  /** Workflow commands the run printed (::warning::, ::notice::, ::error::), one per line. */
  commands: string[];
  /** Everything the run printed on stdout (the job log). */
  log: string;
  /** process.exitCode after the run: 1 when core.setFailed was called. */
  exitCode: number | undefined;
  sarif: unknown;
  dir: string;
}

export interface RunOptions {
  gh: GitHubServer;
  headSha: string;
  baseSha?: string;
  inputs?: Record<string, string>;
  eventName?: string;
  fromFork?: boolean;
  /** Directory to use as GITHUB_WORKSPACE (default: an empty one, so files come from the API). */
  workspace?: string;
}

const saved = { ...process.env };

function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const re = /^([^<\n]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) outputs[m[1]!] = m[3]!;
  return outputs;
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'vulnreview-action-'));
  const workspace = options.workspace ?? join(dir, 'workspace');
  mkdirSync(workspace, { recursive: true });
  const eventPath = join(dir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({
      pull_request: {
        number: 7,
        changed_files: options.gh.files.length,
        base: { sha: options.baseSha ?? 'b'.repeat(40), repo: { full_name: 'octo/demo' } },
        head: { sha: options.headSha, repo: { full_name: options.fromFork ? 'someone/demo' : 'octo/demo' } },
      },
      repository: { full_name: 'octo/demo' },
    }),
  );
  const summaryPath = join(dir, 'summary.md');
  const outputPath = join(dir, 'output.txt');
  writeFileSync(summaryPath, '');
  writeFileSync(outputPath, '');
  const inputs: Record<string, string> = {
    'github-token': 'ghs_test_token',
    cache: 'false',
    'sarif-file': join(dir, 'out', 'vulnreview.sarif'),
    ...options.inputs,
  };
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key];
  Object.assign(process.env, {
    GITHUB_EVENT_NAME: options.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: 'octo/demo',
    GITHUB_API_URL: options.gh.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: dir,
  });
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value;

  const printed: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(String(chunk));
    return true;
  });
  process.exitCode = undefined;
  try {
    // Write pacing off: the loopback server has no secondary limits to stay clear of.
    await run({ github: { pacing: false } });
  } finally {
    spy.mockRestore();
  }
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : undefined;
  process.exitCode = undefined;
  let sarif: unknown;
  try {
    sarif = JSON.parse(readFileSync(inputs['sarif-file']!, 'utf8'));
  } catch {
    sarif = undefined;
  }
  return {
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
    log: printed.join(''),
    commands: printed
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('::')),
    exitCode,
    sarif,
    dir,
  };
}

export function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
}

export function cleanup(r: ActionRun): void {
  rmSync(r.dir, { recursive: true, force: true });
}

/** A PR file that is wholly new: one hunk adding every line. */
export function addedFile(filename: string, text: string): FakePrFile {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return {
    filename,
    status: 'added',
    patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
  };
}
