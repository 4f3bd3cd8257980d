// The nodes the checks walk, rebuilt in plain JavaScript from a FunctionSyntax (flat arrays copied out of
// tree-sitter, by extraction or by the engine's own parse). The checks ask for fields and children many
// times per node; each such question on a web-tree-sitter Node would cross into WebAssembly and
// allocate, so the copy is taken once with a cursor and these objects answer from memory.
import type { FunctionSyntax } from '../../types.ts';

export class SyntaxNode {
  readonly namedChildren: SyntaxNode[] = [];
  private fields: Record<string, SyntaxNode> | undefined;
  private index = 0;

  constructor(
    readonly type: string,
    readonly startIndex: number,
    readonly endIndex: number,
    readonly parent: SyntaxNode | null,
    private readonly source: SourceText,
  ) {}

  get text(): string {
    return this.source.text.slice(this.startIndex, this.endIndex);
  }

  /** 0-based row, found from the start offset only when asked (hits are rare, nodes are many). */
  get startPosition(): { row: number } {
    return { row: this.source.rowOf(this.startIndex) };
  }

  namedChild(i: number): SyntaxNode | null {
    return this.namedChildren[i] ?? null;
  }

  /** The first child in that field (named or not: operators are anonymous). */
  childForFieldName(name: string): SyntaxNode | null {
    return this.fields?.[name] ?? null;
  }

  get nextNamedSibling(): SyntaxNode | null {
    return this.parent?.namedChildren[this.index + 1] ?? null;
  }

  equals(other: SyntaxNode): boolean {
    return this === other;
  }

  /** @internal used while rebuilding */
  addChild(child: SyntaxNode, field: string | null, isNamed: boolean): void {
    if (field) {
      this.fields ??= {};
      this.fields[field] ??= child;
    }
    if (isNamed) {
      child.index = this.namedChildren.length;
      this.namedChildren.push(child);
    }
  }
}

class SourceText {
  private lineStarts: number[] | undefined;

  constructor(readonly text: string) {}

  rowOf(offset: number): number {
    if (!this.lineStarts) {
      this.lineStarts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1))
        this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * The tree of a FunctionSyntax under a `translation_unit` root spanning its text, as a parse of the text
 * on its own would have it. One pass in preorder: a node's parent always comes before it.
 */
export function syntaxTree(syntax: FunctionSyntax): SyntaxNode {
  const { text, types, fields, starts, ends, parents, grammar } = syntax;
  const source = new SourceText(text);
  const root = new SyntaxNode('translation_unit', 0, text.length, null, source);
  const nodes: SyntaxNode[] = new Array(types.length);
  for (let i = 0; i < types.length; i++) {
    const up = parents[i]!;
    const parent = up < 0 ? root : nodes[up]!;
    const type = types[i]!;
    const node = new SyntaxNode(grammar.types[type]!, starts[i]!, ends[i]!, parent, source);
    nodes[i] = node;
    parent.addChild(node, grammar.fields[fields[i]!] ?? null, grammar.named[type]!);
  }
  return root;
}
