// Summarises a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, merged across
// the profile's nodes by name and source location, as the bench notes list them.
//   node --import tsx bench/cpuprofile.ts FILE.cpuprofile… [TOP]
// (Node writes one file per thread; the largest is usually the main thread's.)
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  share: number;
}

/** Self time per function (ms and share of all samples), most first. */
export function selfTimes(profile: Profile): SelfTime[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const ms = new Map<string, { name: string; where: string; ms: number }>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the next delta.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byNode.get(profile.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|src|dist|bench)\//, '$1/');
    const where = url ? `${file}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = ms.get(key) ?? { name: functionName || '(anonymous)', where, ms: 0 };
    entry.ms += dt;
    ms.set(key, entry);
    total += dt;
  }
  return [...ms.values()]
    .sort((a, b) => b.ms - a.ms)
    .map((e) => ({ ...e, share: total > 0 ? e.ms / total : 0 }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith('.cpuprofile'));
  const top = Number(args.find((a) => /^\d+$/.test(a)) ?? 5);
  if (files.length === 0) throw new Error('usage: cpuprofile.ts FILE.cpuprofile… [TOP]');
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const rows = selfTimes(profile);
    const totalMs = rows.reduce((n, r) => n + r.ms, 0);
    console.log(`${file}: ${(totalMs / 1000).toFixed(2)} s sampled`);
    for (const r of rows.slice(0, top)) {
      console.log(
        `  ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}  ${r.where}`,
      );
    }
  }
}
