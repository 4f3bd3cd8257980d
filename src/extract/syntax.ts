// A function's syntax tree copied out of a live tree-sitter tree into flat typed arrays (FunctionSyntax).
// Extraction takes one of each changed function when a backend reads syntax, so the rules backend does
// not parse the function a second time; the rules backend takes one of the trees it parses itself.
//
// Every question asked of a web-tree-sitter node or cursor crosses into WebAssembly, so the copy walks
// one TreeCursor and asks each node the least it can: type and field always, positions only for nodes
// it keeps. Punctuation that no field names is unreachable for a reader of the copy and is skipped
// whole. The walk is iterative: 5,000 nested blocks must not overflow the call stack. It calls the
// cursor exports directly where it can (wasm-cursor.ts): web-tree-sitter's own TreeCursor methods spend
// more time marshalling the cursor than moving it.
import type { Language, Node, TreeCursor } from 'web-tree-sitter';
import type { FunctionSyntax, SyntaxGrammar } from '../types.ts';
import { type RawCursor, rawCursorApi } from './wasm-cursor.ts';

/** The ERROR symbol's id in tree-sitter (`(TSSymbol)-1`); stored under the first unused id instead. */
const ERROR_SYMBOL = 0xffff;

interface Grammar {
  tables: SyntaxGrammar;
  /** Where ERROR nodes' type is stored: one past the grammar's own ids, so the tables stay dense. */
  errorId: number;
}

const grammars = new WeakMap<Language, Grammar>();

/** The grammar's names and named flags, read once per language (a few hundred ids). */
function grammarOf(language: Language): Grammar {
  let grammar = grammars.get(language);
  if (!grammar) {
    const count = language.nodeTypeCount;
    const types: string[] = [];
    const named: boolean[] = [];
    for (let id = 0; id < count; id++) {
      types.push(language.nodeTypeForId(id) ?? 'ERROR');
      named.push(language.nodeTypeIsNamed(id));
    }
    types.push('ERROR');
    named.push(language.nodeTypeIsNamed(ERROR_SYMBOL));
    const fields: (string | null)[] = [null];
    for (let id = 1; id <= language.fieldCount; id++) fields.push(language.fieldNameForId(id));
    grammar = { tables: { types, named, fields }, errorId: count };
    grammars.set(language, grammar);
  }
  return grammar;
}

/**
 * Growable typed columns, doubled when short. One set serves every copy in turn (copies are taken one at
 * a time, synchronously): each copy then allocates only its own trimmed result.
 */
class Columns {
  types = new Uint16Array(1024);
  fields = new Uint16Array(1024);
  starts = new Uint32Array(1024);
  ends = new Uint32Array(1024);
  parents = new Int32Array(1024);
  length = 0;

  push(type: number, field: number, start: number, end: number, parent: number): number {
    if (this.length === this.types.length) this.grow();
    const i = this.length++;
    this.types[i] = type;
    this.fields[i] = field;
    this.starts[i] = start;
    this.ends[i] = end;
    this.parents[i] = parent;
    return i;
  }

  private grow(): void {
    const size = this.types.length * 2;
    const widen = <T extends Uint16Array | Uint32Array | Int32Array>(from: T, to: T): T => {
      to.set(from);
      return to;
    };
    this.types = widen(this.types, new Uint16Array(size));
    this.fields = widen(this.fields, new Uint16Array(size));
    this.starts = widen(this.starts, new Uint32Array(size));
    this.ends = widen(this.ends, new Uint32Array(size));
    this.parents = widen(this.parents, new Int32Array(size));
  }
}

let scratch = new Columns();
/** A scratch grown past this many nodes (a giant function) is replaced before the next copy, not kept. */
const SCRATCH_KEEP = 1 << 16;

/** The shared columns, emptied. */
function emptyColumns(): Columns {
  if (scratch.types.length > SCRATCH_KEEP) scratch = new Columns();
  scratch.length = 0;
  return scratch;
}

/** The public TreeCursor seen through the same questions as the direct calls. */
function publicCursor(cursor: TreeCursor): RawCursor {
  return {
    typeId: () => cursor.nodeTypeId,
    fieldId: () => cursor.currentFieldId,
    startIndex: () => cursor.startIndex,
    endIndex: () => cursor.endIndex,
    gotoFirstChild: () => cursor.gotoFirstChild(),
    gotoNextSibling: () => cursor.gotoNextSibling(),
    gotoParent: () => cursor.gotoParent(),
  };
}

/** Runs `copyFrom` on `cursor` through the direct calls when they are available. */
function copyAt(cursor: TreeCursor, grammar: Grammar, from: number, out: Columns, siblings: boolean): void {
  const api = rawCursorApi();
  if (!api) {
    copyFrom(publicCursor(cursor), grammar, from, out, siblings);
    return;
  }
  const raw = api.open(cursor);
  try {
    copyFrom(raw, grammar, from, out, siblings);
  } finally {
    api.close(cursor);
  }
}

/**
 * Copies the node under the cursor and its subtree into `out`, offsets shifted by -from; with `siblings`,
 * then each following sibling of that node and its subtree too.
 */
function copyFrom(cursor: RawCursor, grammar: Grammar, from: number, out: Columns, siblings: boolean): void {
  const named = grammar.tables.named;
  let parent = -1;
  let depth = 0;
  for (;;) {
    const symbol = cursor.typeId();
    const type = symbol === ERROR_SYMBOL ? grammar.errorId : symbol;
    // A top-level node's field belongs to the tree it was cut from, not to the copy.
    const field = depth === 0 ? 0 : cursor.fieldId();
    if (named[type] || field !== 0) {
      const index = out.push(type, field, cursor.startIndex() - from, cursor.endIndex() - from, parent);
      if (cursor.gotoFirstChild()) {
        parent = index;
        depth++;
        continue;
      }
    }
    for (;;) {
      if (cursor.gotoNextSibling()) {
        if (depth > 0 || siblings) break;
        return;
      }
      if (depth === 0) return;
      cursor.gotoParent();
      depth--;
      parent = out.parents[parent]!;
    }
  }
}

/**
 * The columns filled so far as one FunctionSyntax: the five arrays are views of a single buffer (one
 * allocation per function instead of five), 4-byte columns first so every view is aligned.
 */
function trimmed(text: string, columns: Columns, grammar: Grammar): FunctionSyntax {
  const n = columns.length;
  const buffer = new ArrayBuffer(n * 16);
  const starts = new Uint32Array(buffer, 0, n);
  const ends = new Uint32Array(buffer, n * 4, n);
  const parents = new Int32Array(buffer, n * 8, n);
  const types = new Uint16Array(buffer, n * 12, n);
  const fields = new Uint16Array(buffer, n * 14, n);
  starts.set(columns.starts.subarray(0, n));
  ends.set(columns.ends.subarray(0, n));
  parents.set(columns.parents.subarray(0, n));
  types.set(columns.types.subarray(0, n));
  fields.set(columns.fields.subarray(0, n));
  return { text, types, fields, starts, ends, parents, grammar: grammar.tables };
}

/**
 * The syntax of one definition as extraction found it: `first` is where its source begins (the
 * definition, or a `template`/`extern "C"` wrapper, or a macro-cut declaration before it) and `last` the
 * node it ends with; the top-level nodes are `first` and its next siblings up to the one holding `last`.
 * `text` is the parsed text and `from` the offset the function's source starts at in it.
 */
export function copyDefinitionSyntax(first: Node, last: Node, text: string, from: number): FunctionSyntax {
  const end = last.endIndex;
  const grammar = grammarOf(first.tree.language);
  const columns = emptyColumns();
  const cursor = first.walk();
  try {
    for (let top: Node | null = first; top; top = top.endIndex < end ? top.nextSibling : null) {
      if (top !== first) cursor.reset(top);
      copyAt(cursor, grammar, from, columns, false);
    }
  } finally {
    cursor.delete();
  }
  return trimmed(text.slice(from, end), columns, grammar);
}

/** The syntax of a whole parsed text (a function parsed on its own): the root's children are the top level. */
export function copyRootSyntax(root: Node, text: string): FunctionSyntax {
  const grammar = grammarOf(root.tree.language);
  const columns = emptyColumns();
  const cursor = root.walk();
  try {
    if (cursor.gotoFirstChild()) copyAt(cursor, grammar, 0, columns, true);
  } finally {
    cursor.delete();
  }
  return trimmed(text, columns, grammar);
}
