// Every function definition in a C or C++ file, with its qualified name, exact lines and source text.
//
// The walk only enters nodes that can hold definitions (namespaces, classes, linkage blocks, templates,
// preprocessor branches, ERROR regions), never function bodies or initialisers: that keeps the cost to
// a small fraction of parsing on table-heavy files, and it is why lambdas and local classes belong to
// the function around them.
import type { Node, Parser, Tree } from 'web-tree-sitter';
import type { ChangedFunction, Lang } from '../types.ts';
import { createParser } from './languages.ts';
import type { MacroConfig } from './macros.ts';
import { cleanName, declaredName, qualify } from './names.ts';
import { type Prepared, prepare } from './preprocess.ts';
import { type LexicalScope, Scopes } from './scopes.ts';
import { copyDefinitionSyntax } from './syntax.ts';

/** A function definition found in a file (the same shape the later stages receive). */
export type FunctionDef = ChangedFunction;

/** A place where extraction had to recover and a function may have been missed or misjudged. */
export interface Recovery {
  /** 1-based first and last line of the region. */
  start: number;
  end: number;
  /** What happened there, for the warning. */
  what: string;
}

export interface FileFunctions {
  /** Ordered by start line. */
  functions: FunctionDef[];
  /** Share of the file's lines that lie in tree-sitter ERROR regions (0 = parsed cleanly). */
  errorRatio: number;
  /**
   * Regions outside every function found where one may have been missed: code that did not parse,
   * `#if` branches set aside, bodies that had swallowed definitions. Absent when there are none.
   */
  recoveries?: Recovery[];
}

// Nodes whose children may be definitions. Everything else is a leaf for this walk.
const CONTAINERS = new Set([
  'translation_unit',
  'namespace_definition',
  'declaration_list',
  'linkage_specification',
  'template_declaration',
  'class_specifier',
  'struct_specifier',
  'union_specifier',
  'field_declaration_list',
  'friend_declaration',
  'declaration',
  'field_declaration',
  'type_definition',
  'export_declaration',
  'preproc_if',
  'preproc_ifdef',
  'preproc_else',
  'preproc_elif',
  'preproc_elifdef',
  'ERROR',
]);

// A definition's first line is that of these wrappers when it is their direct child:
// `template <class T>` above it, `extern "C"` or `friend` before it.
const PREFIXES = new Set(['template_declaration', 'linkage_specification', 'friend_declaration']);

// Upper-case identifiers are macros by near-universal convention.
const MACRO_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Statements standing among declarations: C's grammar accepts them at file level, so they parse without
 * error, but they mean a function's braces were lost (hidden in macros, say).
 */
const STRAY_STATEMENTS = new Set([
  'return_statement',
  'if_statement',
  'for_statement',
  'while_statement',
  'do_statement',
  'switch_statement',
  'break_statement',
  'continue_statement',
  'goto_statement',
  'compound_statement',
]);

/** What a function body can never hold in C++: finding one means the body ran past its end. */
const SWALLOWED = new Set([
  'function_definition',
  'template_declaration',
  'namespace_definition',
  'linkage_specification',
  'access_specifier',
]);

const SCOPE_KEYWORDS = new Set(['class', 'struct', 'union', 'namespace']);

/** `public:` and its kind inside a "body": it is a class's. */
const ACCESS_WORDS = new Set(['public', 'private', 'protected']);

const KEYWORD_NAMES = new Set([
  'if',
  'for',
  'while',
  'switch',
  'catch',
  'return',
  'sizeof',
  'else',
  'do',
  'case',
]);

/** Bodies longer than this are searched for definitions they may have swallowed (few are so long). */
const LONG_BODY_ROWS = 150;

/** Names that are macros (`TESTSUITE(x)`, `LIB_BLOCK`): their "body" may be a namespace's. */
const MACRO_LIKE = /^[A-Z][A-Z0-9_]*(?:\(|$)/;

/** Names of "functions" that are a namespace or class read as one. */
const NOT_A_FUNCTION = /(?:^|::|\s)(?:namespace|public|private|protected)$|^namespace\b|;/;

const CLASS_LIKE = new Set(['class_specifier', 'struct_specifier', 'union_specifier']);

/** A node still to visit, with what its parents tell about it. */
interface Visit {
  node: Node;
  /** `node.type`, read once because every property read is a call into wasm. */
  type: string;
  scope: Scope;
  /** The `template`/`extern "C"`/`friend` wrapper the definition's first line belongs to. */
  prefix?: Node | undefined;
  /** The previous sibling (a declaration cut short by an unknown macro may be the definition's start). */
  before?: Node | null | undefined;
  /** Found in an ERROR region: its braces may not be its own. */
  underError?: boolean;
}

interface Scope {
  names: string[];
  /** How many trailing entries of `names` are classes (a `friend` definition is not a member). */
  classDepth: number;
  /** Inside a `friend` declaration: named in the namespace around the class. */
  friend?: true;
}

const parsers = new Map<Lang, Promise<Parser>>();

function parserFor(lang: Lang): Promise<Parser> {
  let parser = parsers.get(lang);
  if (!parser) {
    parser = createParser(lang);
    parsers.set(lang, parser);
  }
  return parser;
}

/** Offsets (UTF-16 units, as tree-sitter reports them for JS strings) where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  let at = text.indexOf('\n');
  while (at >= 0) {
    starts.push(at + 1);
    at = text.indexOf('\n', at + 1);
  }
  return starts;
}

/**
 * `static int __init dev_init(void)`: an unknown macro makes tree-sitter end a declaration (with a
 * MISSING `;`) on the line where the definition begins. That declaration is really the definition's start.
 */
function cutShort(before: Node | null | undefined, definition: Node): Node | undefined {
  if (before?.type !== 'declaration' || before.endPosition.row !== definition.startPosition.row)
    return undefined;
  return before.lastChild?.isMissing ? before : undefined;
}

class Collector {
  readonly functions: FunctionDef[] = [];
  readonly recoveries: Recovery[] = [];
  /** 0-based row ranges of statements found among declarations (STRAY_STATEMENTS). */
  readonly strayRows: [number, number][] = [];
  /** Scopes counted from braces (built on first use; null when the braces do not balance). */
  private scopes: Scopes | null | undefined;

  constructor(
    /** The file as it is: sources are read from it. */
    private readonly text: string,
    /** What the parser saw (preprocess.ts): same offsets, macros and set-aside branches blanked. */
    private readonly prepared: Prepared,
    private readonly starts: number[],
    private readonly lang: Lang,
    private readonly file: string,
    private readonly keepSyntax?: (fn: FunctionDef) => boolean,
    /** The tree has errors (and the file is C++): names are checked against the braces. */
    private readonly troubled = false,
  ) {}

  /**
   * Walks `root` and collects every definition in it. Iterative (an explicit stack), so that thousands
   * of nested namespaces or `#if` blocks cannot overflow the call stack. Order does not matter: the
   * caller sorts the results.
   */
  walk(root: Node): void {
    const stack: Visit[] = [{ node: root, type: root.type, scope: { names: [], classDepth: 0 } }];
    for (let item = stack.pop(); item; item = stack.pop()) this.visit(item, stack);
  }

  /** Handles one node; pushes the children to look at onto `stack`. */
  private visit({ node, type, scope, prefix, before, underError }: Visit, stack: Visit[]): void {
    if (type === 'function_definition') {
      this.definition(node, scope, prefix ?? cutShort(before, node), stack, underError === true);
      return;
    }
    if (!CONTAINERS.has(type)) return;
    let inner = scope;
    if (type === 'namespace_definition') {
      const name = node.childForFieldName('name');
      inner = {
        names: [...scope.names, name ? cleanName(name.text) : '(anonymous namespace)'],
        classDepth: 0,
      };
    } else if (CLASS_LIKE.has(type)) {
      const name = node.childForFieldName('name');
      if (name) inner = { names: [...scope.names, cleanName(name.text)], classDepth: scope.classDepth + 1 };
    } else if (type === 'friend_declaration') {
      inner = {
        names: scope.names.slice(0, scope.names.length - scope.classDepth),
        classDepth: 0,
        friend: true,
      };
    }
    const childPrefix = PREFIXES.has(type) ? (prefix ?? node) : undefined;
    const children = node.children;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (!child) continue;
      const childType = child.type;
      // In an ERROR region the class or namespace around the definitions is loose tokens: `class`,
      // its name, `{`. Keep naming the definitions after them as its members.
      if (type === 'ERROR' && SCOPE_KEYWORDS.has(childType) && children[i + 2]?.type === '{') {
        const name = children[i + 1];
        if (name && /identifier$/.test(name.type)) {
          inner =
            childType === 'namespace'
              ? { names: [...inner.names, cleanName(name.text)], classDepth: 0 }
              : { names: [...inner.names, cleanName(name.text)], classDepth: inner.classDepth + 1 };
        }
        continue;
      }
      if (childType === 'compound_statement') {
        if (!this.macroDefinition(child, children[i - 1], inner)) this.stray(child);
      } else if (STRAY_STATEMENTS.has(childType)) this.stray(child);
      else if (childType === 'function_definition' || CONTAINERS.has(childType)) {
        stack.push({
          node: child,
          type: childType,
          scope: inner,
          prefix: childPrefix,
          before: children[i - 1],
          underError: type === 'ERROR',
        });
      }
    }
  }

  private definition(
    node: Node,
    scope: Scope,
    prefix: Node | undefined,
    stack: Visit[],
    underError: boolean,
  ): void {
    const body = node.childForFieldName('body');
    // `f() = default;`, `= delete;` and pure virtuals have no body: declarations, not definitions.
    if (!body) return;
    let name = declaredName(node) ?? '(unnamed)';
    // `if (x) { … }` among declarations (a body whose braces hid in macros) reads as a definition of
    // `if`: a statement out of place, not a function.
    if (KEYWORD_NAMES.has(name)) {
      this.stray(node);
      return;
    }
    // C++ has no nested functions: a body holding definitions is tree-sitter's error recovery having
    // run past the real end (a construct the grammar cannot read, an unexpanded macro, a brace that is
    // missing), or a macro or namespace read as a function. Only those can hold one (the grammar accepts
    // nested definitions silently, as C allows them): a body with an error, a definition inside an
    // ERROR region, or a macro's name. Ordinary functions with clean bodies are not searched.
    if (
      this.lang === 'cpp' &&
      (underError ||
        body.hasError ||
        body.endPosition.row - body.startPosition.row > LONG_BODY_ROWS ||
        MACRO_LIKE.test(name) ||
        NOT_A_FUNCTION.test(name))
    ) {
      const cut = this.swallowed(node, body, name, scope, stack);
      if (cut === null) return;
      if (cut !== undefined) {
        this.add(prefix ?? node, node, this.qualified(scope, node, name), cut);
        return;
      }
    }
    // `TEST(Suite, Case) { … }` at namespace scope reads as a definition of `TEST` with no return type,
    // which C++ only allows for constructors (inside a class or qualified). Name it by the whole call.
    if (MACRO_NAME.test(name) && scope.classDepth === 0 && !node.childForFieldName('type')) {
      const declarator = node.childForFieldName('declarator');
      if (declarator) name = cleanName(declarator.text);
    }
    this.add(prefix ?? node, node, this.qualified(scope, node, name));
  }

  /**
   * `SYSCALL_DEFINE1(close, unsigned int, fd) { … }` or `TEST(Suite, Case) { … }`: a macro call that
   * tree-sitter could not end with `;`, directly followed by a block. Such blocks are function bodies in
   * practice; the macro call, as written, serves as the name.
   */
  private macroDefinition(block: Node, before: Node | null | undefined, scope: Scope): boolean {
    if (before?.type !== 'expression_statement') return false;
    const call = before.firstNamedChild;
    if (call?.type !== 'call_expression') return false;
    if (block.startPosition.row - call.endPosition.row > 1) return false;
    this.add(before, block, this.qualified(scope, before, cleanName(call.text)));
    return true;
  }

  /**
   * `name` in `scope`. Where the tree has errors, its recovery may have closed a namespace or class at
   * the wrong `}` or lost a class head: the scopes counted from the braces (scopes.ts) then name the
   * definition instead, when the text's braces balance.
   */
  private qualified(scope: Scope, node: Node, name: string): string {
    const lexical = this.lexicalScope(node.startIndex);
    if (!lexical) return qualify(scope.names, name);
    const names = scope.friend
      ? lexical.names.slice(0, lexical.names.length - lexical.classDepth)
      : lexical.names;
    return qualify(names, name);
  }

  /** The scopes from braces at `offset`, only for a C++ tree with errors; undefined otherwise. */
  private lexicalScope(offset: number): LexicalScope | undefined {
    if (!this.troubled) return undefined;
    if (this.scopes === undefined) this.scopes = Scopes.of(this.prepared.text) ?? null;
    return this.scopes?.at(offset);
  }

  /** A statement among declarations: the rows it covers are where a function may have been lost. */
  private stray(node: Node): void {
    this.strayRows.push([node.startPosition.row, node.endPosition.row]);
  }

  /**
   * A body that holds definitions (or a namespace's or class's members) is not one function: its
   * definitions are walked as members of the enclosing scope, and the function ends before the first of
   * them. Returns the row the function really ends on, null when it is no function at all (a namespace
   * or access label read as one), or undefined when the body holds no definition.
   */
  private swallowed(
    node: Node,
    body: Node,
    name: string,
    scope: Scope,
    stack: Visit[],
  ): number | null | undefined {
    const children = body.children;
    let first = -1;
    for (let i = 0; i < children.length && first < 0; i++) {
      const child = children[i]!;
      // A typeless "definition" in a body is a macro block (`reenter(*this) {`), unless it is named like
      // the class around it (a constructor run over by error recovery).
      if (
        child.type === 'function_definition' &&
        !child.childForFieldName('type') &&
        !this.isConstructor(child, scope)
      )
        continue;
      if (SWALLOWED.has(child.type)) first = i;
      else if (
        child.type === 'ERROR' &&
        child.children.some((c) => c !== null && (SWALLOWED.has(c.type) || ACCESS_WORDS.has(c.type)))
      )
        first = i;
    }
    if (first < 0) return undefined;
    // A macro "function" holding definitions, or a "body" with access labels, is a namespace-like
    // block or a class: all of it is members, none of it a body.
    const block =
      MACRO_LIKE.test(name) ||
      NOT_A_FUNCTION.test(name) ||
      children.some(
        (c) =>
          c !== null &&
          (c.type === 'access_specifier' ||
            (c.type === 'ERROR' && c.children.some((k) => k !== null && ACCESS_WORDS.has(k.type)))),
      );
    if (block) first = 1;
    for (let i = first; i < children.length; i++) {
      const child = children[i]!;
      if (child.type === 'function_definition' || CONTAINERS.has(child.type))
        stack.push({ node: child, type: child.type, scope, before: children[i - 1] });
    }
    const start = node.startPosition.row;
    const firstRow = children[first]!.startPosition.row;
    // A macro block is read whole as members: nothing lost. A body that ran past its end may have
    // taken the real end of the function, or of the one before the definitions, with it.
    if (!block) {
      this.recoveries.push({
        start: firstRow + 1,
        end: node.endPosition.row + 1,
        what: `code that did not parse made one "function" (${name}) of the definitions below it; they were read again`,
      });
    }
    if (block) return null;
    // The real body ends at the last line with code before the first definition inside.
    let end = firstRow - 1;
    // Nothing but the head and `{` before the definitions: a namespace-like macro, not a function.
    if (end <= body.startPosition.row) return null;
    const lines = this.text;
    while (end > start) {
      const line = lines.slice(this.starts[end] ?? 0, this.starts[end + 1] ?? lines.length).trim();
      if (line !== '' && !line.startsWith('//') && !line.startsWith('/*') && !line.startsWith('*')) break;
      end--;
    }
    return end;
  }

  /** A definition named like the innermost class in scope (or its destructor). */
  private isConstructor(definition: Node, scope: Scope): boolean {
    if (scope.classDepth === 0) return false;
    const name = declaredName(definition);
    const cls = scope.names[scope.names.length - 1];
    return (
      name !== undefined &&
      cls !== undefined &&
      (name === cls || name === `~${cls}` || name.endsWith(`::${cls}`))
    );
  }

  private add(first: Node, last: Node, name: string, endAt?: number): void {
    let startRow = first.startPosition.row;
    const end = last.endPosition;
    let endRow = end.column === 0 && end.row > startRow ? end.row - 1 : end.row;
    if (endAt !== undefined) endRow = endAt;
    const lineStart = this.starts[startRow] ?? 0;
    // Keep the first line's indentation; if other code shares that line, start at the definition.
    // Blanked macros count as indentation: `FMT_CONSTEXPR inline int f()` starts at its macro.
    const lead = this.prepared.text.slice(lineStart, first.startIndex);
    let from = /^[ \t]*$/.test(lead) ? lineStart : first.startIndex;
    // `LIB_API` on its own line above the head belongs to the definition, and so does a `#if` group
    // whose branches were reduced to one when the definition starts or ends inside it.
    const { headRows, reduced } = this.prepared;
    const top = startRow;
    while (startRow > 0 && headRows.has(startRow - 1)) startRow--;
    for (const g of reduced) {
      if (g.start < startRow && startRow <= g.end && g.end < endRow) startRow = g.start;
      if (g.start > top && g.start <= endRow && endRow < g.end) endRow = g.end;
    }
    if (startRow !== top) from = this.starts[startRow] ?? 0;
    const endIndex = endRow === end.row ? last.endIndex : this.lineEnd(endRow);
    const fn: FunctionDef = {
      file: this.file,
      name,
      start: startRow + 1,
      end: endRow + 1,
      lang: this.lang,
      source: this.text.slice(from, endIndex),
    };
    // The syntax copy reads the text the tree was parsed from. Only when it covers exactly the source: a
    // definition cut short (a missing brace swallowed what follows) or run on to the end of an #if group
    // is parsed alone by the backend instead; so is one with macros or an #if branch blanked inside, as
    // the backend would see different code (`(int *)ALLOCA(10)` read as `(int *)`).
    if (endIndex === last.endIndex && this.keepSyntax?.(fn) && this.parsedAsWritten(from, endIndex))
      fn.syntax = copyDefinitionSyntax(first, last, this.prepared.text, from);
    this.functions.push(fn);
  }

  /** The parser read [from, to) as written: nothing in it was blanked before parsing. */
  private parsedAsWritten(from: number, to: number): boolean {
    const parsed = this.prepared.text;
    return parsed === this.text || parsed.slice(from, to) === this.text.slice(from, to);
  }

  /** Offset of the end of a row's text (before its line break). */
  private lineEnd(row: number): number {
    const next = this.starts[row + 1];
    if (next === undefined) return this.text.length;
    return this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }
}

/**
 * Share of lines holding tokens tree-sitter could not place. An ERROR node may wrap a whole file and
 * still contain well-formed definitions, so only its loose children count: tokens and leaves, not the
 * complete constructs (which carry ERROR nodes of their own if they are broken). Comments never count.
 * 0 without any walk when the tree has no errors.
 */
function errorRows(tree: Tree, lineCount: number): { ratio: number; trouble?: Uint8Array } {
  const root = tree.rootNode;
  if (!root.hasError) return { ratio: 0 };
  const bad = new Uint8Array(lineCount + 2);
  // Rows where the parse went wrong: the loose tokens above, and where tree-sitter had to invent a `}`.
  const trouble = new Uint8Array(lineCount + 2);
  const mark = (node: Node) => {
    const last = Math.min(node.endPosition.row, lineCount);
    for (let row = node.startPosition.row; row <= last; row++) bad[row] = 1;
  };
  // Descend only into subtrees that contain an error: descendantsOfType('ERROR') would visit every node
  // and costs a quarter of the parse on large files.
  const stack: Node[] = [root];
  for (let node = stack.pop(); node; node = stack.pop()) {
    const isError = node.type === 'ERROR';
    if (isError && node.childCount === 0) mark(node);
    for (const child of node.children) {
      if (!child) continue;
      if (child.hasError) stack.push(child);
      if (child.isMissing && child.type === '}') trouble[Math.min(child.startPosition.row, lineCount)] = 1;
      if (!isError || child.type === 'ERROR' || child.type === 'comment') continue;
      if (child.isNamed && child.childCount > 0) continue;
      mark(child);
    }
  }
  let count = 0;
  for (let row = 0; row < lineCount; row++) {
    count += bad[row]!;
    trouble[row] = trouble[row]! | bad[row]!;
  }
  return { ratio: Math.min(1, count / Math.max(1, lineCount)), trouble };
}

/** Runs of rows flagged in `rows` (0-based) as 1-based [start, end] ranges, near runs joined. */
function runs(rows: Uint8Array, lineCount: number): [number, number][] {
  const out: [number, number][] = [];
  for (let row = 0; row < lineCount; row++) {
    if (!rows[row]) continue;
    const last = out.at(-1);
    if (last && row + 1 - last[1] <= 3) last[1] = row + 1;
    else out.push([row + 1, row + 1]);
  }
  return out;
}

/**
 * Where a function may have been missed: regions that did not parse, and `#if` branches set aside
 * that held a `{`, unless one function found holds them whole (a broken statement inside a function
 * loses no function).
 */
function troubleOutside(
  functions: readonly FunctionDef[],
  trouble: Uint8Array | undefined,
  lineCount: number,
  prepared: Prepared,
): Recovery[] {
  const out: Recovery[] = [];
  const inside = (start: number, end: number) => functions.some((fn) => fn.start <= start && end <= fn.end);
  if (trouble) {
    for (const [start, end] of runs(trouble, lineCount)) {
      if (!inside(start, end)) out.push({ start, end, what: 'did not parse as declarations or functions' });
    }
  }
  for (const group of prepared.reduced) {
    if (!group.mayHoldDefinitions) continue;
    for (const [from, to] of group.dropped) {
      if (!inside(from + 1, to + 1))
        out.push({
          start: from + 1,
          end: to + 1,
          what: 'an #if branch was set aside (the branches do not fit together)',
        });
    }
  }
  return out;
}

export interface ExtractFileOptions {
  /** Project macros the user declared (macros file, `.clang-format`). */
  macros?: MacroConfig;
  /** Asked about each definition while the tree is alive: those it wants get their `syntax` copied out. */
  keepSyntax?: (fn: FunctionDef) => boolean;
}

/**
 * Parses `text` and returns every function definition in it. `file` is only copied into the results.
 * Never throws on malformed code: what tree-sitter recovers is returned and `errorRatio` says how much
 * of the file it could not parse. `keepSyntax`, when given, is asked about each definition while the tree
 * is alive: those it wants get their `syntax` copied out (for a backend that reads syntax).
 */
export async function extractFunctions(
  text: string,
  lang: Lang,
  file: string,
  options: ExtractFileOptions = {},
): Promise<FileFunctions> {
  const parser = await parserFor(lang);
  const starts = lineStarts(text);
  const prepared = prepare(text, lang, starts, options.macros);
  const tree = parser.parse(prepared.text);
  if (!tree) throw new Error(`${file}: tree-sitter returned no tree`);
  try {
    const troubled = lang === 'cpp' && tree.rootNode.hasError;
    const collector = new Collector(text, prepared, starts, lang, file, options.keepSyntax, troubled);
    collector.walk(tree.rootNode);
    const functions = collector.functions.sort((a, b) => a.start - b.start || a.end - b.end);
    const lineCount = text.endsWith('\n') ? starts.length - 1 : starts.length;
    let { ratio, trouble } = errorRows(tree, lineCount);
    if (collector.strayRows.length > 0) {
      trouble ??= new Uint8Array(lineCount + 2);
      for (const [from, to] of collector.strayRows) trouble.fill(1, from, Math.min(to, lineCount) + 1);
    }
    const recoveries = [
      ...collector.recoveries,
      ...troubleOutside(functions, trouble, lineCount, prepared),
    ].sort((a, b) => a.start - b.start || a.end - b.end);
    return recoveries.length > 0
      ? { functions, errorRatio: ratio, recoveries }
      : { functions, errorRatio: ratio };
  } finally {
    tree.delete();
  }
}
