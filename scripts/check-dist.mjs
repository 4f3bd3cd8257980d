// Rebuilds dist/ into a temporary folder and fails when it differs from the committed dist/:
// a stale bundle means the action would run code that is not in src/.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fresh = mkdtempSync(join(tmpdir(), 'vulnreview-dist-'));
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), fresh], { stdio: 'inherit' });
  const committed = join(root, 'dist');
  const list = (dir) => readdirSync(dir).sort();
  const a = list(committed);
  const b = list(fresh);
  const problems = [];
  for (const name of new Set([...a, ...b])) {
    if (!a.includes(name)) problems.push(`dist/${name} is missing (run npm run build)`);
    else if (!b.includes(name)) problems.push(`dist/${name} is not produced by the build (delete it)`);
    else if (!readFileSync(join(committed, name)).equals(readFileSync(join(fresh, name))))
      problems.push(`dist/${name} differs from a fresh build (run npm run build and commit dist/)`);
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`dist/ is fresh (${a.length} files)`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
