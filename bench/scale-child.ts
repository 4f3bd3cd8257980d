// One measured scan in a fresh process, for the per-function CPU and memory curve of bench/scale.bench.ts:
// a process of its own so that its peak memory and its CPU (git's included) are this scan's alone.
//   node --import tsx bench/scale-child.ts '{"repo":"…","base":"…","head":"…","sarif":"…"}'
// Prints one JSON line (ScanFigures).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { scan, scanOptionsFrom } from '../src/commands/scan.ts';
import { createParser } from '../src/extract/languages.ts';

export interface ScanFigures {
  wallMs: number;
  /** This process's user + system CPU, ms. */
  cpuMs: number;
  /** CPU of the git processes it started and waited for, ms (Linux; 0 elsewhere). */
  childCpuMs: number;
  /** Resident memory just before the scan (modules and grammars loaded) and at its peak, KiB. */
  rssBeforeKb: number;
  peakRssKb: number;
  functions: number;
  findings: number;
}

/** User + system CPU of waited-for children, ms, from /proc (cutime and cstime, in clock ticks). */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5) are the 14th and 15th after the name.
    const ticks = Number(fields[13]) + Number(fields[14]);
    const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (ticks * 1000) / hz;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as {
    repo: string;
    base: string;
    head: string;
    sarif: string;
  };
  // Load what any scan loads before the figures start: the grammars.
  (await createParser('c')).delete();
  (await createParser('cpp')).delete();
  const rssBeforeKb = Math.round(process.memoryUsage().rss / 1024);
  const childBefore = childrenCpuMs();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let stdout = '';
  await scan(
    scanOptionsFrom(
      {
        repo: args.repo,
        base: args.base,
        head: args.head,
        backend: 'rules',
        cache: false,
        sarif: args.sarif,
        format: 'json',
      },
      {},
    ),
    { stdout: (t) => (stdout += t), stderr: () => {}, env: {} },
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const json = JSON.parse(stdout) as { stats: { changedFunctions: number; findings: number } };
  const figures: ScanFigures = {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    childCpuMs: childrenCpuMs() - childBefore,
    rssBeforeKb,
    peakRssKb: process.resourceUsage().maxRSS,
    functions: json.stats.changedFunctions,
    findings: json.stats.findings,
  };
  console.log(JSON.stringify(figures));
}

await main();
