// Runs the checks over one function: on the extraction's syntax tree when it kept one, else on a parse of
// the function on its own (evaluation samples, callers without extraction). Parsers are reused per
// language; trees are freed as soon as their syntax is copied out.
import type { Parser } from 'web-tree-sitter';
import { createParser } from '../../extract/languages.ts';
import { copyRootSyntax } from '../../extract/syntax.ts';
import type { FunctionSyntax, Lang } from '../../types.ts';
import { NO_HIT_CONFIDENCE, ruleInfo } from './catalog.ts';
import { analyseFunctionTree } from './flow.ts';
import type { Hit } from './state.ts';
import { type SyntaxNode, syntaxTree } from './tree.ts';

export interface RulesResult {
  /** Every rule that fired, strongest first (highest confidence, then earliest line). */
  hits: Hit[];
  confidence: number;
}

/** The root of a tree-sitter tree or of its copy: only its top-level node types are read. */
interface TopLevel {
  readonly namedChildren: readonly ({ readonly type: string } | null)[];
}

/**
 * A function whose signature parsed as a call: extracted functions often start at the name, their
 * return type on the line above, and a macro-named block (`TEST(Suite, Case) { … }`) reads as a call
 * followed by a block.
 */
function lacksReturnType(root: TopLevel, source: string): boolean {
  if (root.namedChildren.some((child) => child?.type === 'function_definition')) return false;
  return /^\s*[A-Za-z_][\w:~]*\s*\(/.test(source);
}

export function checkTree(root: SyntaxNode): RulesResult {
  const hits = analyseFunctionTree(root);
  hits.sort((a, b) => ruleInfo(b.ruleId).confidence - ruleInfo(a.ruleId).confidence || a.line - b.line);
  const top = hits[0];
  return { hits, confidence: top ? ruleInfo(top.ruleId).confidence : NO_HIT_CONFIDENCE };
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

  /**
   * The hits in `source`. `syntax`, the extraction's tree of the same text, saves the parse; where it
   * holds no definition (a macro-named block), the function is parsed on its own as without it, so both
   * ways give the same answer.
   */
  async run(source: string, lang: Lang, syntax?: FunctionSyntax): Promise<RulesResult> {
    if (syntax) {
      const root = syntaxTree(syntax);
      if (!lacksReturnType(root, syntax.text)) return checkTree(root);
    }
    return checkTree(syntaxTree(await this.parse(source, lang)));
  }

  /** Parses `source` on its own and copies its syntax out of tree-sitter. */
  async parse(source: string, lang: Lang): Promise<FunctionSyntax> {
    const parser = await this.parser(lang);
    let text = source;
    let tree = parser.parse(text);
    if (tree && lacksReturnType(tree.rootNode, text)) {
      // Without its return type the signature parses as a declaration and the parameters are lost.
      // Prefixing on the same line keeps every line number as it was.
      const retry = parser.parse(`int ${source}`);
      if (retry) {
        tree.delete();
        tree = retry;
        text = `int ${source}`;
      }
    }
    if (!tree)
      throw new Error(`tree-sitter returned no tree for a ${lang} function of ${source.length} characters`);
    try {
      return copyRootSyntax(tree.rootNode, text);
    } finally {
      tree.delete();
    }
  }

  async close(): Promise<void> {
    for (const parser of this.parsers.values()) (await parser).delete();
    this.parsers.clear();
  }
}
