// `npm ci` on the oldest Node that package.json's engines accepts must not warn EBADENGINE: every
// package in the lockfile has to accept that Node version (runtime dependencies) or at least the Node 20
// line the project is developed and tested on (dev dependencies). Checked from package-lock.json alone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8'));

type Version = [number, number, number];

function parse(text: string): Version {
  const [a = 0, b = 0, c = 0] = text
    .replace(/^v/, '')
    .split('.')
    .map((p) => (p === 'x' || p === '*' ? 0 : Number.parseInt(p, 10)));
  return [a, b, c];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The subset of semver ranges engines fields use: `>=`, `>`, `<=`, `<`, `^`, `~`, bare versions, `||`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/([<>=^~]+)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((comparator) => {
        const m = /^([<>]=?|=|\^|~)?(.*)$/.exec(comparator)!;
        const op = m[1] ?? '';
        const parts = m[2]!.split('.').filter((p) => p !== 'x' && p !== '*');
        const w = parse(m[2]!);
        const c = compare(v, w);
        if (op === '>=') return c >= 0;
        if (op === '>') return c > 0;
        if (op === '<=') return c <= 0;
        if (op === '<') return c < 0;
        if (op === '^') return c >= 0 && v[0] === w[0] && (w[0] !== 0 || v[1] === w[1]);
        if (op === '~') return c >= 0 && v[0] === w[0] && v[1] === w[1];
        // A bare `20` or `20.1` is every version with that prefix.
        return parts.every((p, i) => v[i] === Number.parseInt(p, 10));
      }),
  );
}

describe('engines', () => {
  it('reads the ranges engines fields use', () => {
    expect(satisfies('20.0.0', '>=20')).toBe(true);
    expect(satisfies('20.0.0', '>=22')).toBe(false);
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.0.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.5.1', '18 || 20 || >=22')).toBe(true);
    expect(satisfies('20.5.1', '>= 14.16')).toBe(true);
  });

  it('no package in the lockfile requires a newer Node than the project runs on', () => {
    const oldest = /^>=\s*(\d+)$/.exec(pkg.engines.node)?.[1];
    expect(oldest, 'engines.node is ">=N"').toBeDefined();
    // The Node 20 release the project is developed and tested on (npm ci in CI runs it).
    const developedOn = `${oldest}.19.0`;
    const refused = Object.entries(
      lock.packages as Record<string, { engines?: { node?: string }; dev?: boolean }>,
    )
      .filter(([path, p]) => path !== '' && typeof p.engines?.node === 'string')
      .filter(([, p]) => !satisfies(p.dev ? developedOn : `${oldest}.0.0`, p.engines!.node!))
      .map(([path, p]) => `${path} wants node ${p.engines!.node}`);
    expect(refused).toEqual([]);
  });
});
