// Extraction checked against an independent oracle on real C++: the function definitions vulnreview finds
// in Debian's -dev header packages and in Node's own headers, compared with Universal Ctags' (kind `f`,
// with `end:` lines). Prints precision and recall per project and lists the disagreements; notes and
// the classification of every disagreement class live in bench/extract.md.
//
//   npm run bench:corpus                      all projects found on this machine
//   npm run bench:corpus -- fmt abseil        only these
//   npm run bench:corpus -- --list 40         show up to 40 disagreements per project (default 15)
//   npm run bench:corpus -- --out FILE        every disagreement as JSON lines, for reading them all
//
// Needs `universal-ctags` and the packages below (apt-get install universal-ctags libabsl-dev libfmt-dev
// nlohmann-json3-dev libprotobuf-dev qtbase5-dev libboost-dev). Whatever is missing is said and
// skipped; the script always exits 0, and `npm test` never depends on it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative } from 'node:path';
import { decodeSource } from '../src/extract/decode.ts';
import { extractFunctions, type FunctionDef } from '../src/extract/functions.ts';
import { languageOf } from '../src/extract/language.ts';
import { walkFiles } from './files.ts';

interface Project {
  name: string;
  /** The Debian package (or other source) that provides it, for the "absent" message. */
  from: string;
  root: string;
  /** Folders below root to take (all when absent). */
  only?: string[];
  /** Files below root to leave out (generated code, C-only parts). */
  skip?: RegExp;
  /**
   * The library's namespace macros, given to ctags with `-I` as its manual advises for such macros:
   * without them it believes it is inside a scope and reads only the first branch of every `#if`.
   */
  ctagsIgnore?: string[];
}

const nodeInclude = join(dirname(dirname(process.execPath)), 'include', 'node');

const PROJECTS: Project[] = [
  {
    name: 'abseil',
    from: 'libabsl-dev',
    root: '/usr/include/absl',
    ctagsIgnore: ['ABSL_NAMESPACE_BEGIN', 'ABSL_NAMESPACE_END'],
  },
  {
    name: 'fmt',
    from: 'libfmt-dev',
    root: '/usr/include/fmt',
    ctagsIgnore: [
      'FMT_BEGIN_NAMESPACE',
      'FMT_END_NAMESPACE',
      'FMT_BEGIN_DETAIL_NAMESPACE',
      'FMT_END_DETAIL_NAMESPACE',
      'FMT_MODULE_EXPORT_BEGIN',
      'FMT_MODULE_EXPORT_END',
    ],
  },
  {
    name: 'nlohmann-json',
    from: 'nlohmann-json3-dev',
    root: '/usr/include/nlohmann',
    ctagsIgnore: ['NLOHMANN_JSON_NAMESPACE_BEGIN', 'NLOHMANN_JSON_NAMESPACE_END'],
  },
  {
    name: 'protobuf',
    from: 'libprotobuf-dev',
    root: '/usr/include/google/protobuf',
    ctagsIgnore: ['PROTOBUF_NAMESPACE_OPEN', 'PROTOBUF_NAMESPACE_CLOSE'],
  },
  {
    name: 'qt5',
    from: 'qtbase5-dev',
    root: '/usr/include/x86_64-linux-gnu/qt5',
    only: ['QtCore', 'QtGui', 'QtWidgets'],
    ctagsIgnore: ['QT_BEGIN_NAMESPACE', 'QT_END_NAMESPACE', 'QT_BEGIN_HEADER', 'QT_END_HEADER'],
  },
  {
    // 160 MB in all: a fixed choice of libraries that are ordinary C++ rather than preprocessor
    // metaprogramming (mpl, preprocessor, fusion would measure the macro expander, not the extractor).
    name: 'boost',
    from: 'libboost-dev',
    root: '/usr/include/boost',
    only: ['asio', 'beast', 'json', 'container', 'intrusive', 'smart_ptr', 'core', 'system', 'thread'],
  },
  {
    name: 'node',
    from: "Node's own headers (beside the node binary)",
    root: nodeInclude,
    // OpenSSL's 50 MB of generated headers and zlib are C libraries Node bundles, not Node's headers.
    skip: /^(openssl|zlib\.h|zconf\.h)/,
  },
];

/** One function as the oracle sees it. */
interface Tag {
  name: string;
  scope?: string;
  line: number;
  end: number;
}

interface Disagreement {
  project: string;
  file: string;
  /** `extra-unread-branch`: ours, which ctags finds once it is made to read every #if branch. */
  kind: 'missed' | 'extra' | 'extra-unread-branch' | 'range';
  /** ours: start–end name; ctags: line–end scope::name */
  ours?: string;
  ctags?: string;
  line: number;
  /**
   * A first sorting of the disagreement, by rules that reading the disagreements bore out
   * (bench/extract.md): `announced` (a miss of ours inside a region we warn about), `ctags-macro` (ctags
   * takes an upper-case macro invocation for a function), `ctags-overlong` (ctags's function swallows
   * ours), `ctags-template` (ctags skips a template definition), or `read` (to be read one by one).
   */
  sort?: 'announced' | 'ctags-macro' | 'ctags-overlong' | 'ctags-template' | 'read';
}

function filesOf(project: Project): string[] {
  const roots = project.only ? project.only.map((d) => join(project.root, d)) : [project.root];
  const files: string[] = [];
  for (const root of roots) {
    for (const full of walkFiles(root)) {
      const rel = relative(project.root, full);
      if (project.skip?.test(rel)) continue;
      if (languageOf(full) === undefined) continue;
      files.push(full);
    }
  }
  return files;
}

/** Universal Ctags' function definitions (kind f) with their end lines, per file. */
function ctagsOf(files: string[], ignore: readonly string[] = []): Map<string, Tag[]> {
  const out = execFileSync(
    'ctags',
    [
      ...(ignore.length > 0 ? [`-I${ignore.join(',')}`] : []),
      '--output-format=json',
      '--languages=C,C++',
      '--langmap=C++:+.h.ipp.tpp',
      '--kinds-C++=f',
      '--kinds-C=f',
      '--fields=+neZ',
      '-L',
      '-',
      '-o',
      '-',
    ],
    { input: files.join('\n'), maxBuffer: 1 << 30, encoding: 'utf8' },
  );
  const byFile = new Map<string, Tag[]>();
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const tag = JSON.parse(line) as {
      _type: string;
      name: string;
      path: string;
      line: number;
      end?: number;
      scope?: string;
      kind: string;
    };
    if (tag._type !== 'tag' || tag.kind !== 'function' || tag.end === undefined) continue;
    // Lambdas (`__anon…`) belong to the function that holds them, by design (docs/extract.md).
    if (tag.name.startsWith('__anon')) continue;
    const list = byFile.get(tag.path) ?? [];
    byFile.set(tag.path, list);
    list.push({ name: tag.name, line: tag.line, end: tag.end, ...(tag.scope ? { scope: tag.scope } : {}) });
  }
  // Methods of local classes belong to the function that holds them, by design (docs/extract.md):
  // a definition inside another one is not expected on its own.
  for (const [path, tags] of byFile) {
    byFile.set(
      path,
      tags.filter((t) => !tags.some((o) => o !== t && o.line < t.line && t.end <= o.end)),
    );
  }
  return byFile;
}

/**
 * The file with every conditional directive (`#if` … `#endif`) turned into an empty line, so that ctags
 * reads all branches. Universal Ctags follows only the first branch of a conditional wherever it
 * believes it is inside a scope (unknown macros make it believe so): a definition in a later branch is
 * invisible to it. An extra function of ours that ctags finds in this variant, at the same lines, is
 * real code in one of the branches: a blind spot of the oracle, confirmed by the oracle itself.
 */
function allBranches(text: string): string {
  const lines = text.split('\n');
  let continued = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (continued || /^\s*#\s*(?:if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b/.test(line)) {
      continued = /\\\r?$/.test(line);
      lines[i] = '';
    }
  }
  return lines.join('\n');
}

const show = (fn: FunctionDef) => `${fn.start}-${fn.end} ${fn.name}`;
const showTag = (t: Tag) => `${t.line}-${t.end} ${t.scope ? `${t.scope}::` : ''}${t.name}`;

/**
 * Pairs each oracle function with one of ours: same closing-brace line and the oracle's name line
 * inside our range. Unpaired oracle functions whose name line lies in one of ours with another end are
 * range disagreements; the rest are misses (ours) or extras (ours that the oracle lacks).
 */
function compare(
  ours: FunctionDef[],
  tags: Tag[],
): { matched: number; missed: Tag[]; extra: FunctionDef[]; range: [FunctionDef, Tag][] } {
  const used = new Set<FunctionDef>();
  const missed: Tag[] = [];
  let matched = 0;
  const pending: Tag[] = [];
  for (const tag of tags) {
    const hit = ours.find((fn) => !used.has(fn) && fn.end === tag.end && fn.start <= tag.line);
    if (hit) {
      used.add(hit);
      matched++;
    } else pending.push(tag);
  }
  const range: [FunctionDef, Tag][] = [];
  for (const tag of pending) {
    const near = ours.find((fn) => !used.has(fn) && fn.start <= tag.line && tag.line <= fn.end);
    if (near) {
      used.add(near);
      range.push([near, tag]);
    } else missed.push(tag);
  }
  return { matched, missed, extra: ours.filter((fn) => !used.has(fn)), range };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const listAt = args.indexOf('--list');
  const list = listAt >= 0 ? Number(args[listAt + 1]) : 15;
  const outAt = args.indexOf('--out');
  const outFile = outAt >= 0 ? args[outAt + 1] : undefined;
  const named = args.filter((a, i) => !a.startsWith('--') && i - 1 !== listAt && i - 1 !== outAt);

  if (spawnSync('ctags', ['--version'], { encoding: 'utf8' }).stdout?.includes('Universal Ctags') !== true) {
    console.log(
      'Universal Ctags is not installed (apt-get install universal-ctags): nothing to compare against.',
    );
    return;
  }
  const all: Disagreement[] = [];
  const rows: string[] = [];
  const totals = { ours: 0, oracle: 0, matched: 0, range: 0, blind: 0 };
  for (const project of PROJECTS) {
    if (named.length > 0 && !named.includes(project.name)) continue;
    if (!existsSync(project.root) || !statSync(project.root).isDirectory()) {
      console.log(
        `${project.name}: absent (${project.root} not found; it comes from ${project.from}), skipped`,
      );
      continue;
    }
    const files = filesOf(project);
    const tags = ctagsOf(files, project.ctagsIgnore);
    let bytes = 0;
    let ours = 0;
    let oracle = 0;
    let matched = 0;
    let ranges = 0;
    let blind = 0;
    const disagreements: Disagreement[] = [];
    const extras: { file: string; rel: string; text: string; fns: FunctionDef[]; tags: Tag[] }[] = [];
    for (const file of files) {
      const raw = readFileSync(file);
      bytes += raw.length;
      const { text } = decodeSource(new Uint8Array(raw));
      const lang = languageOf(file, text)!;
      const rel = relative(project.root, file);
      const { functions, recoveries = [] } = await extractFunctions(text, lang, rel);
      const fileTags = tags.get(file) ?? [];
      const result = compare(functions, fileTags);
      ours += functions.length;
      oracle += fileTags.length;
      matched += result.matched;
      ranges += result.range.length;
      const base = { project: project.name, file: rel };
      for (const t of result.missed) {
        const sort = recoveries.some((r) => r.start <= t.end && t.line <= r.end)
          ? 'announced'
          : /^[A-Z][A-Z0-9_]+$/.test(t.name)
            ? 'ctags-macro'
            : 'read';
        disagreements.push({ ...base, kind: 'missed', ctags: showTag(t), line: t.line, sort });
      }
      if (result.extra.length > 0) extras.push({ file, rel, text, fns: result.extra, tags: fileTags });
      for (const [fn, t] of result.range)
        disagreements.push({ ...base, kind: 'range', ours: show(fn), ctags: showTag(t), line: t.line });
    }
    // Ask ctags again about the files where we found more, with every #if branch in plain view.
    const variantDir = mkdtempSync(join(tmpdir(), 'vulnreview-corpus-'));
    try {
      const variants = extras.map(({ file, text }, i) => {
        const path = join(variantDir, `${i}${extname(file)}`);
        writeFileSync(path, allBranches(text));
        return path;
      });
      const seen = variants.length > 0 ? ctagsOf(variants, project.ctagsIgnore) : new Map<string, Tag[]>();
      extras.forEach(({ rel, text, fns, tags: fileTags }, i) => {
        const found = seen.get(variants[i]!) ?? [];
        const lines = text.split('\n');
        for (const fn of fns) {
          const unread = found.some((t) => t.end === fn.end && fn.start <= t.line && t.line <= fn.end);
          if (unread) blind++;
          const kind = unread ? 'extra-unread-branch' : 'extra';
          const sort = unread
            ? undefined
            : fileTags.some((t) => t.line <= fn.start && fn.end <= t.end)
              ? 'ctags-overlong'
              : /^\s*template\b/.test(lines[fn.start - 1] ?? '')
                ? 'ctags-template'
                : 'read';
          disagreements.push({
            project: project.name,
            file: rel,
            kind,
            ours: show(fn),
            line: fn.start,
            ...(sort ? { sort } : {}),
          });
        }
      });
    } finally {
      rmSync(variantDir, { recursive: true, force: true });
    }
    // A range disagreement is one wrong function on each side.
    const precision = matched / Math.max(1, ours);
    const recall = matched / Math.max(1, oracle);
    // Definitions ctags finds only when made to read every branch are not errors of ours.
    const adjusted = (matched + blind) / Math.max(1, ours);
    totals.ours += ours;
    totals.oracle += oracle;
    totals.matched += matched;
    totals.range += ranges;
    totals.blind += blind;
    rows.push(
      `| ${project.name} | ${files.length} | ${(bytes / 1e6).toFixed(2)} | ${ours} | ${oracle} | ${matched} | ` +
        `${precision.toFixed(3)} | ${adjusted.toFixed(3)} | ${recall.toFixed(3)} | ` +
        `${disagreements.filter((d) => d.kind === 'missed').length} | ` +
        `${disagreements.filter((d) => d.kind === 'extra').length} | ${blind} | ${ranges} |`,
    );
    const sorts = new Map<string, number>();
    for (const d of disagreements) {
      const key = `${d.kind}${d.sort ? `/${d.sort}` : ''}`;
      sorts.set(key, (sorts.get(key) ?? 0) + 1);
    }
    const missed = disagreements.filter((d) => d.kind === 'missed').length;
    const announced = disagreements.filter((d) => d.sort === 'announced').length;
    console.log(
      `${project.name}: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB; ours ${ours}, ctags ${oracle}, ` +
        `agree ${matched}: precision ${precision.toFixed(3)} (${adjusted.toFixed(3)} counting the ${blind} ` +
        `definitions ctags cannot see), recall ${recall.toFixed(3)}`,
    );
    console.log(
      `  disagreements: ${[...sorts].map(([k, n]) => `${k} ${n}`).join(', ')}; misses inside a region we warn about: ${announced} of ${missed}`,
    );
    for (const d of disagreements.filter((x) => x.sort === 'read').slice(0, list)) {
      console.log(
        `  ${d.kind.padEnd(6)} ${d.file}:${d.line}  ours: ${d.ours ?? '—'}  ctags: ${d.ctags ?? '—'}`,
      );
    }
    if (disagreements.length > list)
      console.log(`  … ${disagreements.length - list} more (--list N, --out FILE)`);
    all.push(...disagreements);
  }
  if (rows.length === 0) {
    console.log('None of the corpus projects is installed: nothing measured.');
    return;
  }
  console.log(
    '\n| project | files | MB | ours | ctags | agree | precision | precision (unread branches counted) | recall | missed | extra | extra in branches ctags did not read | range |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log(
    `| all | | | ${totals.ours} | ${totals.oracle} | ${totals.matched} | ` +
      `${(totals.matched / Math.max(1, totals.ours)).toFixed(3)} | ` +
      `${((totals.matched + totals.blind) / Math.max(1, totals.ours)).toFixed(3)} | ` +
      `${(totals.matched / Math.max(1, totals.oracle)).toFixed(3)} | | | ${totals.blind} | ${totals.range} |`,
  );
  if (outFile) {
    writeFileSync(outFile, all.map((d) => JSON.stringify(d)).join('\n') + '\n');
    console.log(`\n${all.length} disagreements written to ${outFile}`);
  }
}

await main();
