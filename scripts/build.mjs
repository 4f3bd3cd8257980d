// Bundles the action (dist/index.js) and the CLI (dist/cli.js) and copies the .wasm files they load,
// so the action runs from dist/ with no `npm install`. The output must be byte-for-byte reproducible:
// CI rebuilds it and fails on any difference (scripts/check-dist.mjs).
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
  entryPoints: ['src/main.ts'],
  outfile: join(outdir, 'index.js'),
  banner: { js: banner },
});
await build({
  ...common,
  entryPoints: ['src/cli.ts'],
  outfile: join(outdir, 'cli.js'),
  banner: { js: `#!/usr/bin/env node\n${banner}` },
});

for (const [spec, name] of [
  ['web-tree-sitter/tree-sitter.wasm', 'tree-sitter.wasm'],
  ['tree-sitter-c/tree-sitter-c.wasm', 'tree-sitter-c.wasm'],
  ['tree-sitter-cpp/tree-sitter-cpp.wasm', 'tree-sitter-cpp.wasm'],
]) {
  copyFileSync(require.resolve(spec), join(outdir, name));
}
