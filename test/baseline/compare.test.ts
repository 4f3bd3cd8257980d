// The delta stage with the real extractor: which base version each changed function is matched with, the
// states its findings get, what counts as fixed, and what happens when the base side cannot be judged.
import { describe, expect, it } from 'vitest';
import { compareWithBase } from '../../src/baseline/compare.ts';
import { lineSimilarity, matchBaseFunctions, moveCandidates, moveSources } from '../../src/baseline/match.ts';
import { fixedOf, sideOf, stateOf } from '../../src/baseline/states.ts';
import { extractFunctions } from '../../src/extract/functions.ts';
import { findChangedFunctions } from '../../src/extract/index.ts';
import { analyseAll } from '../../src/model/analyse.ts';
import type { Backend } from '../../src/model/backend.ts';
import { MemoryVerdictCache } from '../../src/model/cache.ts';
import { findingsOf, toFinding } from '../../src/report/findings.ts';
import type { Analysis, FileChange, FunctionInput, Verdict } from '../../src/types.ts';
import { fn as fnOf, verdict as verdictOf } from '../report/fixtures.ts';

/**
 * Answers from the code: a `/* p=0.73 *\/` comment sets P(vulnerable), `UNSURE` gives an unclassified
 * answer, and otherwise strcpy is vulnerable at 0.9. Counts the questions it is asked.
 */
function scriptedBackend(): Backend & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'endpoint',
    model: 'scripted',
    promptHash: 'h',
    asked,
    async analyse(fn: FunctionInput): Promise<Verdict> {
      asked.push(fn.name ?? '?');
      const p = /\/\* p=([\d.]+) \*\//.exec(fn.source)?.[1];
      const confidence = p !== undefined ? Number(p) : fn.source.includes('strcpy') ? 0.9 : 0.1;
      const unsure = fn.source.includes('UNSURE');
      return {
        vulnerable: unsure ? null : confidence >= 0.5,
        confidence,
        ...(confidence >= 0.5 ? { cwe: 'CWE-120' as const } : {}),
        rawAnswer: unsure ? 'Maybe' : confidence >= 0.5 ? 'Yes' : 'No',
        backend: 'endpoint',
        model: 'scripted',
        promptHash: 'h',
      };
    },
  };
}

const enc = new TextEncoder();

/** A whole-file change of `path` (every function changed), as GitHub gives for a patch it left out. */
function modified(path: string, extra: Partial<FileChange> = {}): FileChange {
  return {
    path,
    status: 'modified',
    addedLines: [],
    deletionPoints: [],
    wholeFile: true,
    hunks: [],
    ...extra,
  };
}

/** Runs extraction, the head verdicts and the delta over `head` files against `base` files. */
async function delta(
  changes: FileChange[],
  head: Record<string, string>,
  base: Record<string, string | Error>,
  options: {
    margin?: number;
    budgetMs?: number;
    cache?: MemoryVerdictCache;
    backend?: ReturnType<typeof scriptedBackend>;
  } = {},
) {
  const backend = options.backend ?? scriptedBackend();
  const extracted = await findChangedFunctions(changes, async (p) =>
    p in head ? enc.encode(head[p]) : undefined,
  );
  const outcomes = await analyseAll(
    extracted.functions,
    backend,
    options.cache ? { cache: options.cache } : {},
  );
  const analyses: Analysis[] = extracted.functions.map((fn, i) => {
    const o = outcomes[i]!;
    return 'verdict' in o ? { fn, verdict: o.verdict } : { fn, skipped: { file: fn.file, ...o.skipped } };
  });
  const findings = findingsOf(analyses);
  const headAsked = backend.asked.length;
  const result = await compareWithBase({
    changes,
    analyses,
    findings,
    backend,
    margin: options.margin,
    readBaseFile: async (p) => {
      const b = base[p];
      if (b instanceof Error) throw b;
      return b === undefined ? undefined : enc.encode(b);
    },
    analyse: {
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.budgetMs !== undefined ? { budgetMs: options.budgetMs } : {}),
    },
  });
  return { ...result, baseAsked: backend.asked.slice(headAsked) };
}

const state = (r: Awaited<ReturnType<typeof delta>>, name: string) =>
  r.findings.find((f) => f.fn.name === name)?.baseline;

describe('compareWithBase', () => {
  const BASE = `void legacy(char *d, const char *s)\n{\n    strcpy(d, s);\n}\n\nvoid tidy(char *d, const char *s)\n{\n    strcpy(d, s);\n}\n\nint calm(int x)\n{\n    return x;\n}\n`;

  it('new, unchanged and fixed for a modified file; a new function is new', async () => {
    const head = `void legacy(char *d, const char *s)\n{\n    /* touched */\n    strcpy(d, s);\n}\n\nvoid tidy(char *d, const char *s)\n{\n    d[0] = s[0];\n}\n\nint calm(int x)\n{\n    char b[4]; strcpy(b, "x");\n    return x;\n}\n\nvoid fresh(char *d)\n{\n    strcpy(d, "abc");\n}\n`;
    const r = await delta([modified('a.c')], { 'a.c': head }, { 'a.c': BASE });
    expect(state(r, 'legacy')).toEqual({ state: 'unchanged', baseConfidence: 0.9 });
    expect(state(r, 'calm')).toEqual({ state: 'new', baseConfidence: 0.1 });
    expect(state(r, 'fresh')).toEqual({ state: 'new' });
    expect(r.report.fixed.map((x) => [x.fn.name, x.base.verdict.confidence, x.headConfidence])).toEqual([
      ['tidy', 0.9, 0.1],
    ]);
    expect(r.report.stats).toMatchObject({
      matched: 3,
      added: 1,
      baseAnalysed: 3,
      baseRequests: 3,
      baseCached: 0,
      baseUnknown: 0,
      states: { new: 2, unchanged: 1, updated: 0 },
      fixed: 1,
    });
    expect(r.report.notes).toEqual([]);
  });

  it('a finding flagged on both sides is new when P(vulnerable) rose by the margin, unchanged below it', async () => {
    const base = 'void f(char *d)\n{\n    /* p=0.6 */ use(d);\n}\n';
    const head = 'void f(char *d)\n{\n    /* p=0.85 */ use(d);\n}\n';
    expect(
      state(await delta([modified('m.c')], { 'm.c': head }, { 'm.c': base }, { margin: 0.2 }), 'f'),
    ).toEqual({
      state: 'new',
      baseConfidence: 0.6,
    });
    expect(
      state(await delta([modified('m.c')], { 'm.c': head }, { 'm.c': base }, { margin: 0.3 }), 'f'),
    ).toEqual({
      state: 'unchanged',
      baseConfidence: 0.6,
    });
  });

  it('reads a renamed file’s base under its old path', async () => {
    const r = await delta(
      [modified('new/a.c', { status: 'renamed', oldPath: 'old/a.c' })],
      { 'new/a.c': BASE.replace('return x;', 'return x + 1;') },
      { 'old/a.c': BASE },
    );
    expect(state(r, 'legacy')?.state).toBe('unchanged');
    expect(r.report.stats.matched).toBe(3);
  });

  it('matches a function moved to another file and edited, only when the change deleted it there', async () => {
    const moved = 'void legacy(char *d, const char *s)\n{\n    /* now here */\n    strcpy(d, s);\n}\n';
    const oldLines = BASE.split('\n').slice(0, -1);
    // a.c loses `legacy` (its first five lines); b.c is new and holds it, edited.
    const fromA: FileChange = {
      path: 'a.c',
      status: 'modified',
      addedLines: [],
      deletionPoints: [1],
      wholeFile: false,
      hunks: [{ newStart: 1, newLines: 3 }],
      oldHunks: [
        [
          ...oldLines.slice(0, 5).map((text) => ({ text, deleted: true })),
          ...oldLines.slice(5, 8).map((text) => ({ text, deleted: false })),
        ],
      ],
    };
    const toB: FileChange = {
      path: 'b.c',
      status: 'added',
      addedLines: [1, 2, 3, 4, 5],
      deletionPoints: [],
      wholeFile: false,
      hunks: [{ newStart: 1, newLines: 5 }],
    };
    const head = { 'a.c': oldLines.slice(5).join('\n'), 'b.c': moved };
    const r = await delta([fromA, toB], head, { 'a.c': BASE });
    expect(state(r, 'legacy')).toEqual({ state: 'unchanged', baseConfidence: 0.9 });
    expect(r.report.stats.moved).toBe(1);

    // The same function name in another file of the change that was not deleted there is not a move.
    const kept: FileChange = {
      ...fromA,
      oldHunks: [oldLines.slice(0, 8).map((text) => ({ text, deleted: false }))],
    };
    const notMoved = await delta([kept, toB], head, { 'a.c': BASE });
    expect(state(notMoved, 'legacy')).toEqual({ state: 'new' });
  });

  it('keeps findings new and says why when the base side cannot be judged', async () => {
    const head = 'void f(char *d)\n{\n    strcpy(d, "x");\n}\n';
    const unreadable = await delta([modified('u.c')], { 'u.c': head }, { 'u.c': new Error('API said 500') });
    expect(state(unreadable, 'f')).toEqual({ state: 'new' });
    expect(unreadable.report.stats.baseUnknown).toBe(1);
    expect(unreadable.report.notes.join(' ')).toContain('API said 500');

    const unsure = await delta(
      [modified('u.c')],
      { 'u.c': head },
      { 'u.c': 'void f(char *d)\n{\n    UNSURE; strcpy(d, "x");\n}\n' },
    );
    expect(state(unsure, 'f')).toEqual({ state: 'new' });
    expect(unsure.report.notes.join(' ')).toContain('unclassified');

    const noTime = await delta(
      [modified('u.c')],
      { 'u.c': head },
      { 'u.c': 'void f(char *d)\n{\n    strcpy(d, "y");\n}\n' },
      { budgetMs: 0 },
    );
    expect(noTime.baseAsked).toEqual([]);
    expect(state(noTime, 'f')).toEqual({ state: 'new' });
    expect(noTime.report.notes[0]).toMatch(
      /time budget ran out before the base versions of 1 changed function/,
    );
  });

  it('asks about base versions once: a second run over the same change is served from the cache', async () => {
    const cache = new MemoryVerdictCache();
    const head = BASE.replace('return x;', 'return x - 1;');
    const first = await delta([modified('a.c')], { 'a.c': head }, { 'a.c': BASE }, { cache });
    // Whole-file change: `legacy` and `tidy` are the same text on both sides, so their base verdicts are
    // the head's, from the cache; only `calm` changed and costs a request.
    expect(first.report.stats).toMatchObject({ baseRequests: 1, baseCached: 2 });
    const again = await delta([modified('a.c')], { 'a.c': head }, { 'a.c': BASE }, { cache });
    expect(again.baseAsked).toEqual([]);
    expect(again.report.stats).toMatchObject({ baseRequests: 0, baseCached: 3 });
  });
});

describe('matchBaseFunctions', () => {
  it('picks, among overloads of one name, the base version most alike', async () => {
    const base = (
      await extractFunctions(
        'int put(int v)\n{\n    return v;\n}\n\nint put(const char *s)\n{\n    return s[0];\n}\n',
        'cpp',
        'o.cc',
      )
    ).functions;
    const head = (await extractFunctions('int put(const char *s)\n{\n    return s[1];\n}\n', 'cpp', 'o.cc'))
      .functions;
    const m = matchBaseFunctions(head, [modified('o.cc')], new Map([['o.cc', base]]));
    expect(m.get(head[0]!)?.base.start).toBe(6);
  });

  it('treats a renamed function as new code', () => {
    const head = fnOf({ name: 'copy_name_v2' });
    expect(
      matchBaseFunctions([head], [modified('src/copy.c')], new Map([['src/copy.c', [fnOf()]]])).size,
    ).toBe(0);
  });

  it('moveSources answers on moveCandidates as on the whole change', () => {
    // files that lost a line naming a function, files that lost other lines, added files, context only
    const lost = (path: string, texts: string[], extra: Partial<FileChange> = {}): FileChange =>
      modified(path, {
        wholeFile: false,
        oldHunks: [texts.map((text, i) => ({ text, deleted: i % 2 === 0 }))],
        ...extra,
      });
    const changes = [
      lost('a.c', ['  run (x);', 'int y;', 'other();']),
      lost('b.c', ['keep();', 'run(z);']),
      lost('c.c', ['  ns::run(1);'], { status: 'added' }),
      lost('d.c', ['parse(p);', 'run(q);', 'Widget::~Widget();']),
      modified('e.c'),
      lost('f.c', ['  run(x);'], { status: 'renamed', oldPath: 'old/f.c' }),
    ];
    const candidates = moveCandidates(changes);
    expect(candidates.map((c) => c.path)).toEqual(['a.c', 'b.c', 'd.c', 'f.c']);
    for (const name of ['run', 'ns::run', 'parse', 'other', 'Widget::~Widget', 'missing'])
      for (const own of [undefined, ...changes])
        expect(moveSources(name, own, candidates), `${name} from ${own?.path}`).toEqual(
          moveSources(name, own, changes),
        );
    expect(moveSources('run', changes[1], changes).map((c) => c.path)).toEqual(['a.c', 'f.c']);
    expect(moveCandidates([modified('x.c', { status: 'added' })])).toEqual([]);
  });

  it('lineSimilarity is 1 for the same lines whatever the indentation, 0 for nothing shared', () => {
    expect(lineSimilarity('a;\n  b;\n', '  a;\nb;\n')).toBe(1);
    expect(lineSimilarity('a;\n', 'b;\n')).toBe(0);
  });
});

describe('stateOf and fixedOf', () => {
  it('compares weaknesses by rule id when the verdict has hits, so a new rule in a flagged function is new', () => {
    const hit = (cwe: 'CWE-120' | 'CWE-476', line: number) => ({ cwe, line, reason: 'r', confidence: 0.8 });
    const head = sideOf(
      fnOf(),
      verdictOf({ backend: 'rules', hits: [hit('CWE-120', 3), hit('CWE-476', 2)] }),
    );
    const base = sideOf(fnOf(), verdictOf({ backend: 'rules', hits: [hit('CWE-120', 3)] }));
    const states = head.findings.map((f) => [f.verdict.cwe, stateOf(f, base, 0.2).state]);
    expect(states).toEqual([
      ['CWE-120', 'unchanged'],
      ['CWE-476', 'new'],
    ]);
    // Going the other way, from two weaknesses to one, fixes the one that went.
    expect(fixedOf(head, base)).toEqual([]);
    expect(fixedOf(base, head).map((f) => f.verdict.cwe)).toEqual(['CWE-476']);
    const clean = sideOf(fnOf(), verdictOf({ vulnerable: false, confidence: 0.1 }));
    expect(fixedOf(clean, head).map((f) => f.verdict.cwe)).toEqual(['CWE-120', 'CWE-476']);
  });

  it('a yes/no model finding whose class changed is updated, not new; an unclassified head fixes nothing', () => {
    const head = toFinding(fnOf(), verdictOf({ cwe: 'CWE-119', confidence: 0.9 }));
    expect(stateOf(head, sideOf(fnOf(), verdictOf({ cwe: 'CWE-120', confidence: 0.85 })), 0.2)).toEqual({
      state: 'updated',
      baseConfidence: 0.85,
    });
    const unknown = sideOf(fnOf(), verdictOf({ vulnerable: null, confidence: 0.5 }));
    expect(fixedOf(unknown, sideOf(fnOf(), verdictOf()))).toEqual([]);
  });
});
