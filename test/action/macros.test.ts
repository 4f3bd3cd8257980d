// The `macros` input end to end: a macros file in the repository, read through the contents API at the
// head commit like the sources, changes what the extraction sees; a missing one fails the run by name.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startGitHubServer } from '../helpers/github-server.ts';
import { type ActionRun, cleanup, restoreEnv, runAction } from './harness.ts';

const HEAD = 'a'.repeat(40);

const SOURCE = `#include <string.h>

int LIBCALL copy_name(char *dst, const char *src) {
  strcpy(dst, src);
  return 0;
}
`;

const PATCH = `@@ -0,0 +1,6 @@
${SOURCE.trimEnd()
  .split('\n')
  .map((l) => `+${l}`)
  .join('\n')}`;

const runs: ActionRun[] = [];
afterAll(() => runs.forEach(cleanup));
afterEach(() => restoreEnv());

// biome-ignore lint/suspicious/noExplicitAny: SARIF read back as JSON
const functionsIn = (r: ActionRun) => (r.sarif as any).runs[0].results.map((x: any) => x.properties.function);

async function scanWith(inputs: Record<string, string>, files: Record<string, string>) {
  const gh = await startGitHubServer({
    files: [{ filename: 'lib/name.cpp', status: 'added', patch: PATCH }],
  });
  gh.contents.set(`${HEAD}:lib/name.cpp`, SOURCE);
  for (const [path, text] of Object.entries(files)) gh.contents.set(`${HEAD}:${path}`, text);
  const r = await runAction({ gh, headSha: HEAD, inputs: { backend: 'rules', ...inputs } });
  runs.push(r);
  return r;
}

describe('the macros input', () => {
  it('reads the macros file at the head commit, so an attribute macro is not part of the name', async () => {
    const plain = await scanWith({}, {});
    expect(functionsIn(plain)).toEqual(['LIBCALL copy_name']);

    const declared = await scanWith(
      { macros: 'tools/vulnreview-macros.yml' },
      { 'tools/vulnreview-macros.yml': 'AttributeMacros: [LIBCALL]\n' },
    );
    expect(declared.exitCode).toBeUndefined();
    expect(functionsIn(declared)).toEqual(['copy_name']);
  });

  it('stops the run, naming the file, when the macros file is missing (main.ts turns it into a failure)', async () => {
    await expect(scanWith({ macros: 'tools/missing.yml' }, {})).rejects.toThrow(
      'macros file tools/missing.yml: cannot read it',
    );
  });
});
