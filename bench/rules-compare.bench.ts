// The rules backend against flawfinder and cppcheck on the shared benchmark data: precision, recall and
// F1 per data set, and on SVEN's before/after pairs the share told apart. Notes: bench/rules.md.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRulesBackend } from '../src/model/rules/index.ts';
import type { Lang } from '../src/types.ts';
import {
  CPPCHECK_SEVERITIES,
  FLAWFINDER_MIN_LEVEL,
  type PeerResult,
  runCppcheck,
  runFlawfinder,
} from './rules-peers.ts';

interface Sample {
  id: string;
  source: string;
  label: 0 | 1;
  lang: Lang;
  group: string;
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  flagged: number;
}

const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');
const DATASETS = ['juliet-01.jsonl', 'sven-train.jsonl'];

/** Groups whose hash is even were looked at while tuning the rules; odd ones were not (see rules.md). */
export function isDevGroup(group: string): boolean {
  return (createHash('sha256').update(group).digest()[0]! & 1) === 0;
}

function score(
  samples: readonly Sample[],
  flagged: (i: number) => boolean,
  keep: (s: Sample) => boolean,
): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  samples.forEach((s, i) => {
    if (!keep(s)) return;
    const f = flagged(i);
    if (f && s.label === 1) tp++;
    else if (f) fp++;
    else if (s.label === 1) fn++;
  });
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, flagged: tp + fp };
}

/** Share of (vulnerable, fixed) pairs of one group where only the vulnerable side is flagged. */
function toldApart(
  samples: readonly Sample[],
  flagged: (i: number) => boolean,
): { rate: number; pairs: number } {
  const groups = new Map<string, number[]>();
  samples.forEach((s, i) => {
    const g = groups.get(s.group) ?? [];
    g.push(i);
    groups.set(s.group, g);
  });
  let pairs = 0;
  let apart = 0;
  for (const members of groups.values()) {
    for (const bad of members.filter((i) => samples[i]!.label === 1)) {
      for (const good of members.filter((i) => samples[i]!.label === 0)) {
        pairs++;
        if (flagged(bad) && !flagged(good)) apart++;
      }
    }
  }
  return { rate: pairs === 0 ? 0 : apart / pairs, pairs };
}

function load(file: string): Sample[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Sample);
}

const pct = (x: number): string => x.toFixed(3);

export default async function rulesCompare(): Promise<void> {
  const present = DATASETS.filter((name) => existsSync(resolve(dataDir, name)));
  if (present.length === 0) {
    console.log(`rules-compare: skipped, no benchmark data at ../shared/data (looked in ${dataDir})`);
    return;
  }
  const backend = await createRulesBackend();
  console.log(`rules: ${backend.model} (rule set ${backend.promptHash})`);
  console.log(
    `flawfinder: findings at level >= ${FLAWFINDER_MIN_LEVEL}; cppcheck: ${[...CPPCHECK_SEVERITIES].join('/')}`,
  );
  const ratios: string[] = [];
  for (const name of DATASETS) {
    const file = resolve(dataDir, name);
    if (!existsSync(file)) {
      console.log(`\n${name}: absent at ../shared/data, skipped`);
      continue;
    }
    const samples = load(file);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const ours = new Set<number>();
    for (const [i, s] of samples.entries()) {
      const verdict = await backend.analyse({ source: s.source, lang: s.lang });
      if (verdict.vulnerable === true) ours.add(i);
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const peers: PeerResult[] = [];
    for (const runPeer of [runFlawfinder, runCppcheck]) {
      const result = await runPeer(samples);
      if (result) peers.push(result);
    }
    const missing = ['flawfinder', 'cppcheck'].filter((t) => !peers.some((p) => p.tool === t));
    console.log(
      `\n${name}: ${samples.length} functions, ${samples.filter((s) => s.label === 1).length} vulnerable`,
    );
    console.log(
      `rules backend: ${Math.round(samples.length / seconds)} functions/s wall, ${Math.round(samples.length / cpuSeconds)} per CPU-second`,
    );
    if (missing.length > 0)
      console.log(`not installed, left out: ${missing.join(', ')} (apt-get install -y ${missing.join(' ')})`);
    const rows: { tool: string; flagged: Set<number> }[] = [
      { tool: 'vulnreview rules', flagged: ours },
      ...peers,
    ];
    console.log(
      '| tool | precision | recall | F1 | flagged | F1 dev groups | F1 held-out groups | SVEN-style pairs told apart |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    const f1s = new Map<string, number>();
    for (const row of rows) {
      const has = (i: number): boolean => row.flagged.has(i);
      const all = score(samples, has, () => true);
      const dev = score(samples, has, (s) => isDevGroup(s.group));
      const held = score(samples, has, (s) => !isDevGroup(s.group));
      const apart = toldApart(samples, has);
      f1s.set(row.tool, all.f1);
      console.log(
        `| ${row.tool} | ${pct(all.precision)} | ${pct(all.recall)} | ${pct(all.f1)} | ${all.flagged} | ${pct(dev.f1)} | ${pct(held.f1)} | ${pct(apart.rate)} of ${apart.pairs} |`,
      );
    }
    const bestPeer = Math.max(0, ...peers.map((p) => f1s.get(p.tool) ?? 0));
    if (peers.length > 0) {
      const ratio = bestPeer === 0 ? Number.POSITIVE_INFINITY : (f1s.get('vulnreview rules') ?? 0) / bestPeer;
      ratios.push(`${name}: ours/best-peer F1 = ${ratio.toFixed(2)}`);
    }
  }
  await backend.close?.();
  console.log(`\nratio (target > 1 on juliet-01): ${ratios.join('; ') || 'no peers installed'}`);
}
