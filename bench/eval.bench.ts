// How `vulnreview eval --sample 5000` scales to a VDISC-sized file: the label pass over every row, the
// stratified draw, and reading only the drawn rows' sources (row by row in sparse chunks) against decoding
// every source. Writes a synthetic VDISC-shaped HDF5 file in a temp dir; nothing from the network.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { openDataset } from '../src/eval/dataset.ts';
import { seededRandom } from '../src/eval/prng.ts';
import { stratifiedSample } from '../src/eval/sampling.ts';
import { VDISC_CLASSES } from '../src/types.ts';

const ROWS = 200_000;
// The seed's density: 5,000 of VDISC's 1.27M rows.
const SAMPLE = Math.round((ROWS * 5_000) / 1_270_000);
// VDISC's class shares (seed's Table 1), applied to one column each.
const SHARES = [0.037, 0.019, 0.0095, 0.0021, 0.027];

async function writeFile(path: string): Promise<void> {
  await h5wasm.ready;
  const random = seededRandom(42);
  const columns = VDISC_CLASSES.map(() => new Uint8Array(ROWS));
  const sources: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    let r = random();
    for (let c = 0; c < SHARES.length; c++) {
      if (r < SHARES[c]!) {
        columns[c]![i] = 1;
        break;
      }
      r -= SHARES[c]!;
    }
    // A few hundred characters, like a typical VDISC function.
    sources.push(
      `int f${i}(char *s, int n)\n{\n${'    n = n * 3 + s[n % 7];\n'.repeat(10)}    return n;\n}\n`,
    );
  }
  const file = new h5wasm.File(path, 'w');
  file.create_dataset({ name: 'functionSource', data: sources });
  VDISC_CLASSES.forEach((cls, c) => {
    file.create_dataset({ name: cls, data: columns[c]! });
  });
  file.close();
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

export default async function (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'vulnreview-eval-bench-'));
  try {
    const path = join(dir, 'vdisc.h5');
    const [, writeMs] = await time(() => writeFile(path));
    const source = await openDataset(path);
    const [codes, labelMs] = await time(() => source.classes());
    const [indices, drawMs] = await time(async () => stratifiedSample(codes, SAMPLE, 1));
    const count = async (rows?: number[]) => {
      let n = 0;
      for await (const _ of source.read(rows)) n++;
      return n;
    };
    const [sparse, sparseMs] = await time(() => count(indices));
    const [all, allMs] = await time(() => count());
    console.log(`synthetic VDISC file: ${ROWS} rows (written in ${(writeMs / 1000).toFixed(1)} s)`);
    console.log(`label pass (5 columns, every row): ${labelMs.toFixed(0)} ms`);
    console.log(`stratified draw of ${SAMPLE}: ${drawMs.toFixed(1)} ms`);
    console.log(`read the ${sparse} drawn rows: ${sparseMs.toFixed(0)} ms`);
    console.log(`read all ${all} rows: ${allMs.toFixed(0)} ms`);
    console.log(`ratio (read all / read drawn): ${(allMs / sparseMs).toFixed(1)}x`);
    console.log(
      `extrapolated to 1.27M rows: label pass ≈ ${((labelMs * 1_270_000) / ROWS / 1000).toFixed(1)} s, read all ≈ ${((allMs * 1_270_000) / ROWS / 1000).toFixed(1)} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
