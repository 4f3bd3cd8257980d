// Parses one function on its own and runs the checks. Parsers are reused per language; trees are freed.
import type { Node, Parser } from 'web-tree-sitter';
import { createParser } from '../../extract/languages.ts';
import type { Lang } from '../../types.ts';
import { NO_HIT_CONFIDENCE, ruleInfo } from './catalog.ts';
import { analyseFunctionTree } from './flow.ts';
import type { Hit } from './state.ts';
import { copyTree } from './tree.ts';

export interface RulesResult {
  /** Every rule that fired, strongest first (highest confidence, then earliest line). */
  hits: Hit[];
  confidence: number;
}

function lacksReturnType(root: Node, source: string): boolean {
  if (root.namedChildren.some((child) => child?.type === 'function_definition')) return false;
  return /^\s*[A-Za-z_][\w:~]*\s*\(/.test(source);
}

export class RulesEngine {
  private readonly parsers = new Map<Lang, Promise<Parser>>();

  private parser(lang: Lang): Promise<Parser> {
    let parser = this.parsers.get(lang);
    if (!parser) {
      parser = createParser(lang);
      this.parsers.set(lang, parser);
    }
    return parser;
  }

  async run(source: string, lang: Lang): Promise<RulesResult> {
    const parser = await this.parser(lang);
    let tree = parser.parse(source);
    let prefixed = false;
    if (tree && lacksReturnType(tree.rootNode, source)) {
      // Extracted functions often start at the name, their return type on the line above: without it the
      // signature parses as a declaration and the parameters are lost. Prefixing on the same line keeps
      // every line number as it was.
      const retry = parser.parse(`int ${source}`);
      if (retry) {
        tree.delete();
        tree = retry;
        prefixed = true;
      }
    }
    if (!tree)
      throw new Error(`tree-sitter returned no tree for a ${lang} function of ${source.length} characters`);
    try {
      const hits = analyseFunctionTree(copyTree(tree, prefixed ? `int ${source}` : source));
      hits.sort((a, b) => ruleInfo(b.ruleId).confidence - ruleInfo(a.ruleId).confidence || a.line - b.line);
      const top = hits[0];
      return { hits, confidence: top ? ruleInfo(top.ruleId).confidence : NO_HIT_CONFIDENCE };
    } finally {
      tree.delete();
    }
  }

  async close(): Promise<void> {
    for (const parser of this.parsers.values()) (await parser).delete();
    this.parsers.clear();
  }
}
