// The syntax copy calls web-tree-sitter's cursor exports directly (src/extract/wasm-cursor.ts) instead of
// going through TreeCursor's methods. Both walks must copy the same trees, node for node, and the direct
// one must really be in use (a web-tree-sitter that moved its exports would silently cost the speed).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeSource, extractFunctions, languageOf } from '../../src/extract/index.ts';
import { createParser } from '../../src/extract/languages.ts';
import { copyRootSyntax } from '../../src/extract/syntax.ts';
import { rawCursorApi, withoutRawCursor } from '../../src/extract/wasm-cursor.ts';
import type { FunctionSyntax } from '../../src/types.ts';

const testdata = join(dirname(fileURLToPath(import.meta.url)), '..', 'testdata');

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (languageOf(path) !== undefined) yield path;
  }
}

/** The copy as plain arrays, so a difference names the node. */
function columns(syntax: FunctionSyntax | undefined) {
  if (!syntax) return undefined;
  return {
    text: syntax.text,
    types: [...syntax.types],
    fields: [...syntax.fields],
    starts: [...syntax.starts],
    ends: [...syntax.ends],
    parents: [...syntax.parents],
  };
}

async function withPublicCursor<T>(run: () => Promise<T>): Promise<T> {
  const restore = withoutRawCursor();
  try {
    return await run();
  } finally {
    restore();
  }
}

describe('the syntax copy through the cursor exports', () => {
  it('is in use once a grammar is loaded', async () => {
    await createParser('c');
    expect(rawCursorApi()).toBeDefined();
  });

  it('copies every fixture function exactly as the TreeCursor walk does', async () => {
    let copies = 0;
    let nodes = 0;
    for (const path of sourceFiles(testdata)) {
      const { text } = decodeSource(new Uint8Array(readFileSync(path)));
      const lang = languageOf(path, text)!;
      const keepSyntax = () => true;
      const direct = await extractFunctions(text, lang, path, { keepSyntax });
      const viaCursor = await withPublicCursor(() => extractFunctions(text, lang, path, { keepSyntax }));
      expect(direct.functions.length, path).toBe(viaCursor.functions.length);
      direct.functions.forEach((fn, i) => {
        const other = viaCursor.functions[i]!;
        expect(columns(fn.syntax), `${path}:${fn.start} ${fn.name}`).toEqual(columns(other.syntax));
        if (fn.syntax) {
          copies++;
          nodes += fn.syntax.types.length;
        }
      });
    }
    expect(copies).toBeGreaterThan(150);
    expect(nodes).toBeGreaterThan(5_000);
  });

  it('copies a whole parsed text (the rules backend parsing alone) as the TreeCursor walk does', async () => {
    const parser = await createParser('cpp');
    const text = readFileSync(join(testdata, 'extract', 'forms.cpp'), 'utf8');
    const tree = parser.parse(text)!;
    try {
      const direct = copyRootSyntax(tree.rootNode, text);
      const viaCursor = await withPublicCursor(async () => copyRootSyntax(tree.rootNode, text));
      expect(direct.types.length).toBeGreaterThan(300);
      expect(columns(direct)).toEqual(columns(viaCursor));
      // the tree is still usable after the direct walk: the cursor's state was handed back
      expect(tree.rootNode.walk().gotoFirstChild()).toBe(true);
    } finally {
      tree.delete();
      parser.delete();
    }
  });

  it('copies nesting deeper than the cursor’s first stack allocation, and frees the cursor after', async () => {
    // each level of nesting pushes an entry on the cursor's stack: it is reallocated on the way down, so
    // the state read back at the end must be the moved one (a stale pointer would corrupt the heap)
    const depth = 3000;
    const text = `int f(void)\n{\n${'{'.repeat(depth)}x = 1;${'}'.repeat(depth)}\n}\n`;
    const direct = await extractFunctions(text, 'c', 'deep.c', { keepSyntax: () => true });
    const viaCursor = await withPublicCursor(() =>
      extractFunctions(text, 'c', 'deep.c', { keepSyntax: () => true }),
    );
    expect(direct.functions[0]!.syntax!.types.length).toBeGreaterThan(depth);
    expect(columns(direct.functions[0]!.syntax)).toEqual(columns(viaCursor.functions[0]!.syntax));
    // many more walks after that one still agree (nothing was left corrupted)
    for (let i = 0; i < 50; i++) {
      const again = await extractFunctions(text, 'c', 'deep.c', { keepSyntax: () => true });
      expect(again.functions[0]!.syntax!.types.length).toBe(direct.functions[0]!.syntax!.types.length);
    }
  });
});
