// The bundle as scripts/build.mjs makes it (built afresh into a temporary folder): what loads only on
// demand stays out of what every run loads, and the bundle runs on its own, with no node_modules.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
let out: string;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'vulnreview-build-'));
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), out], { stdio: 'pipe' });
  // dist/ is ES modules through the repository's package.json; outside it, say so here.
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** The files a module loads before it runs (static imports, followed), and those it may import() later. */
function graph(entry: string): { loaded: Set<string>; deferred: Set<string> } {
  const loaded = new Set<string>();
  const deferred = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    const code = readFileSync(join(out, file), 'utf8');
    for (const m of code.matchAll(/^(?:import|export)\b[^;]*?from\s*"\.\/([^"]+)"/gm)) visit(m[1]!);
    for (const m of code.matchAll(/^import\s*"\.\/([^"]+)"/gm)) visit(m[1]!);
    for (const m of code.matchAll(/\bimport\("\.\/([^"]+)"\)/g)) deferred.add(m[1]!);
  };
  visit(entry);
  for (const file of loaded) deferred.delete(file);
  return { loaded, deferred };
}

const size = (files: Iterable<string>) =>
  [...files].reduce((n, f) => n + readFileSync(join(out, f)).length, 0);
const holding = (files: Iterable<string>, text: string) =>
  [...files].filter((f) => readFileSync(join(out, f), 'utf8').includes(text));

describe('the bundle', () => {
  it('loads the HDF5 library only when eval reads an HDF5 file', () => {
    const cli = graph('cli.js');
    const all = readdirSync(out).filter((f) => f.endsWith('.js'));
    const hdf5 = holding(all, 'h5wasm');
    expect(hdf5.length).toBeGreaterThan(0);
    for (const file of hdf5) expect(cli.loaded.has(file)).toBe(false);
    expect(holding(cli.deferred, 'h5wasm').length).toBeGreaterThan(0);
    // Most of the bytes were HDF5: what the CLI loads to start is a fraction of the whole.
    expect(size(cli.loaded)).toBeLessThan(size(hdf5) / 2);
  });

  it("loads the actions cache client and Azure's storage SDK only when the action keeps verdicts", () => {
    const action = graph('index.js');
    const all = readdirSync(out).filter((f) => f.endsWith('.js'));
    const client = holding(all, 'BlobServiceClient');
    expect(client.length).toBeGreaterThan(0);
    for (const file of client) expect(action.loaded.has(file)).toBe(false);
    expect(holding(action.deferred, 'BlobServiceClient').length).toBeGreaterThan(0);
    expect(holding(action.loaded, 'h5wasm')).toEqual([]);
  });

  it('runs from its folder alone: the CLI finds its grammars beside it and lists changed functions', () => {
    const stdout = execFileSync(
      process.execPath,
      [
        join(out, 'cli.js'),
        'functions',
        '--diff',
        join(root, 'examples/demo/change.patch'),
        '--root',
        join(root, 'examples/demo/project'),
      ],
      { cwd: out, encoding: 'utf8' },
    );
    const functions = JSON.parse(stdout) as { name: string }[];
    expect(functions.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'cli.js'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
