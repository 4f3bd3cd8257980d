// A plain-JS copy of a tree-sitter tree. The checks ask for fields and children many times per node;
// each such question on a web-tree-sitter Node crosses into WebAssembly and allocates, so copying the
// tree once with a cursor and walking the copy is several times faster.
import type { Language, Tree } from 'web-tree-sitter';

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

  /** @internal used while copying */
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

interface TypeInfo {
  type: string;
  named: boolean;
}

// Type and field names by numeric id, per grammar: asking the cursor for ids avoids a string copy per node.
const typeCache = new WeakMap<Language, Map<number, TypeInfo>>();
const fieldCache = new WeakMap<Language, Map<number, string | null>>();

function cacheFor<T>(cache: WeakMap<Language, Map<number, T>>, language: Language): Map<number, T> {
  let map = cache.get(language);
  if (!map) {
    map = new Map();
    cache.set(language, map);
  }
  return map;
}

/** Copies the tree; `source` must be the text the tree was parsed from. */
export function copyTree(tree: Tree, source: string): SyntaxNode {
  const language = tree.language;
  const types = cacheFor(typeCache, language);
  const fields = cacheFor(fieldCache, language);
  const text = new SourceText(source);
  const cursor = tree.walk();
  const typeOf = (id: number): TypeInfo => {
    let info = types.get(id);
    if (!info) {
      info = { type: language.nodeTypeForId(id) ?? 'ERROR', named: language.nodeTypeIsNamed(id) };
      types.set(id, info);
    }
    return info;
  };
  const fieldOf = (id: number): string | null => {
    if (id === 0) return null;
    let name = fields.get(id);
    if (name === undefined) {
      name = language.fieldNameForId(id);
      fields.set(id, name);
    }
    return name;
  };
  try {
    const copy = (parent: SyntaxNode | null, info: TypeInfo): SyntaxNode => {
      const node = new SyntaxNode(info.type, cursor.startIndex, cursor.endIndex, parent, text);
      if (cursor.gotoFirstChild()) {
        do {
          const field = fieldOf(cursor.currentFieldId);
          const child = typeOf(cursor.nodeTypeId);
          node.addChild(copy(node, child), field, child.named);
        } while (cursor.gotoNextSibling());
        cursor.gotoParent();
      }
      return node;
    };
    return copy(null, typeOf(cursor.nodeTypeId));
  } finally {
    cursor.delete();
  }
}
