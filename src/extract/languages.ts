import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Language, Parser } from 'web-tree-sitter';
import type { Lang } from '../types.ts';
import { useTreeSitterModule } from './wasm-cursor.ts';

// The .wasm files sit beside the bundle in dist/ (copied by scripts/build.mjs); when running from
// src/ (tests, tsx) they are found in node_modules. Looking beside the bundle first keeps the action
// free of any `npm install`.
const require = createRequire(import.meta.url);

function locate(file: string, packageSpecifier: string): string {
  const beside = fileURLToPath(new URL(`./${file}`, import.meta.url));
  if (existsSync(beside)) return beside;
  return require.resolve(packageSpecifier);
}

const GRAMMARS: Record<Lang, [file: string, specifier: string]> = {
  c: ['tree-sitter-c.wasm', 'tree-sitter-c/tree-sitter-c.wasm'],
  cpp: ['tree-sitter-cpp.wasm', 'tree-sitter-cpp/tree-sitter-cpp.wasm'],
};

let runtime: Promise<void> | undefined;
const languages = new Map<Lang, Promise<Language>>();

function initRuntime(): Promise<void> {
  // The typings name Emscripten's module type, whose declarations are not installed; locateFile is all
  // we pass. Emscripten makes this object the module: its cursor exports serve wasm-cursor.ts.
  const options = { locateFile: (name: string) => locate(name, `web-tree-sitter/${name}`) };
  runtime ??= Parser.init(options as unknown as Parameters<typeof Parser.init>[0]).then(() =>
    useTreeSitterModule(options),
  );
  return runtime;
}

/** The tree-sitter grammar for a language, loaded once per process. */
export function loadLanguage(lang: Lang): Promise<Language> {
  let loaded = languages.get(lang);
  if (!loaded) {
    const [file, specifier] = GRAMMARS[lang];
    loaded = initRuntime().then(() => Language.load(locate(file, specifier)));
    languages.set(lang, loaded);
  }
  return loaded;
}

/** A fresh parser for a language. Parsers are cheap; reuse one per task, they are not thread-shared. */
export async function createParser(lang: Lang): Promise<Parser> {
  const language = await loadLanguage(lang);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}
