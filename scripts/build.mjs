// Bundles the action (dist/index.js) and the CLI (dist/cli.js) and copies the .wasm files they load,
// so the action runs from dist/ with no `npm install`. The output must be byte-for-byte reproducible:
// CI rebuilds it and fails on any difference (scripts/check-dist.mjs).
//
// One build with code splitting: what only some runs use stays out of the entry files and loads on its
// `import()` — the HDF5 library (h5wasm, most of the bytes) only for `eval` on an HDF5 file, the actions
// cache client and its storage SDK only when the action keeps verdicts between runs. Code the action
// and the CLI share lands in shared chunks. Every file sits flat in dist/ under a content hash, so a
// fresh build names them the same.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = process.argv[2] ? resolve(process.argv[2]) : join(root, 'dist');
const require = createRequire(join(root, 'package.json'));

// Bundled CommonJS dependencies call require() for Node built-ins; ESM output has no require.
const banner = [
  "import { createRequire as __vrCreateRequire } from 'node:module';",
  'const require = __vrCreateRequire(import.meta.url);',
].join('\n');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};
await build({
  ...common,
  // src/cli.ts starts with its #! line, which esbuild keeps above the banner.
  entryPoints: { index: 'src/main.ts', cli: 'src/cli.ts' },
  outdir,
  splitting: true,
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  banner: { js: banner },
});

for (const [spec, name] of [
  ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter.wasm'],
  ['tree-sitter-c/tree-sitter-c.wasm', 'tree-sitter-c.wasm'],
  ['tree-sitter-cpp/tree-sitter-cpp.wasm', 'tree-sitter-cpp.wasm'],
]) {
  copyFileSync(require.resolve(spec), join(outdir, name));
}
