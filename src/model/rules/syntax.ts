// Small tree-sitter helpers shared by the checks. The C and C++ grammars name a few fields differently
// (`index` vs `indices`, parenthesized conditions vs `condition_clause`); these hide that.
import type { SyntaxNode as Node } from './tree.ts';

/** Statements after which control never reaches the next one. */
export const JUMPS = new Set([
  'return_statement',
  'goto_statement',
  'break_statement',
  'continue_statement',
  'throw_statement',
]);
/** Calls that never return. */
export const EXITS = new Set(['exit', '_exit', 'abort', 'longjmp']);

export function named(node: Node): Node[] {
  return node.namedChildren;
}

/** Strips parentheses, casts and C++ condition clauses: `((char *)p)` → `p`. */
export function unwrap(node: Node): Node {
  let current = node;
  for (;;) {
    if (current.type === 'parenthesized_expression' || current.type === 'condition_clause') {
      const inner = current.childForFieldName('value') ?? current.namedChild(0);
      if (!inner) return current;
      current = inner;
    } else if (current.type === 'cast_expression') {
      const inner = current.childForFieldName('value');
      if (!inner) return current;
      current = inner;
    } else {
      return current;
    }
  }
}

/** The callee's last name, lower-cased: `std::memcpy` → `memcpy`, `file.open` → `open`, `GETENV` → `getenv`. */
export function calleeName(call: Node): string {
  const fn = call.childForFieldName('function');
  if (!fn) return '';
  if (fn.type === 'identifier') return fn.text.toLowerCase();
  if (fn.type === 'qualified_identifier') {
    const name = fn.childForFieldName('name');
    return name ? name.text.toLowerCase() : '';
  }
  if (fn.type === 'field_expression') {
    const field = fn.childForFieldName('field');
    return field ? field.text.toLowerCase() : '';
  }
  if (fn.type === 'template_function') {
    const name = fn.childForFieldName('name');
    return name ? name.text.toLowerCase() : '';
  }
  return '';
}

export function callArgs(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  return list ? named(list).filter((n) => n.type !== 'comment') : [];
}

export function subscriptIndex(node: Node): Node | null {
  const index = node.childForFieldName('index');
  if (index) return index;
  const indices = node.childForFieldName('indices');
  return indices ? indices.namedChild(0) : null;
}

/**
 * The variable an expression designates as a buffer: `data` for `data`, `data + len`, `&data[2]`,
 * `(char *)data`; undefined for anything else.
 */
export function baseName(node: Node): string | undefined {
  let n = unwrap(node);
  for (;;) {
    if (n.type === 'identifier') return n.text;
    if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.type;
      const left = n.childForFieldName('left');
      if ((op !== '+' && op !== '-') || !left) return undefined;
      n = unwrap(left);
      continue;
    }
    if (n.type !== 'pointer_expression') return undefined;
    const arg = n.childForFieldName('argument');
    if (!arg || n.childForFieldName('operator')?.type !== '&') return undefined;
    const inner = unwrap(arg);
    if (inner.type !== 'subscript_expression') return inner.type === 'identifier' ? inner.text : undefined;
    const a = inner.childForFieldName('argument');
    if (!a) return undefined;
    n = unwrap(a);
  }
}

export function isStringLiteral(node: Node): boolean {
  const n = unwrap(node);
  return n.type === 'string_literal' || n.type === 'concatenated_string' || n.type === 'raw_string_literal';
}

/** Length in characters of a plain string literal, escapes counted once; undefined for anything else. */
export function literalLength(node: Node): number | undefined {
  let total = 0;
  // a concatenation ("a" "b" PRIu64) counts only if every part is a plain literal
  const parts = [node];
  for (let part = parts.pop(); part; part = parts.pop()) {
    const n = unwrap(part);
    if (n.type === 'concatenated_string') {
      for (const inner of named(n)) parts.push(inner);
      continue;
    }
    if (n.type !== 'string_literal') return undefined;
    for (const piece of named(n)) {
      if (piece.type === 'string_content') total += piece.text.length;
      else if (piece.type === 'escape_sequence') total += 1;
    }
  }
  return total;
}

export function isNullLiteral(node: Node): boolean {
  const n = unwrap(node);
  return n.type === 'null' || n.text === 'NULL' || n.text === 'nullptr';
}

export function numberValue(node: Node): number | undefined {
  const n = unwrap(node);
  if (n.type !== 'number_literal') return undefined;
  const text = n.text.replace(/[uUlLfF]+$/, '');
  const value = /^0[xX]/.test(text) ? Number.parseInt(text, 16) : Number(text);
  return Number.isFinite(value) ? value : undefined;
}

const TYPE_SIZES: Record<string, number> = {
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  bool: 1,
  _Bool: 1,
  int8_t: 1,
  uint8_t: 1,
  short: 2,
  'unsigned short': 2,
  int16_t: 2,
  uint16_t: 2,
  int: 4,
  unsigned: 4,
  'unsigned int': 4,
  int32_t: 4,
  uint32_t: 4,
  float: 4,
  wchar_t: 4,
  long: 8,
  'unsigned long': 8,
  'long long': 8,
  'unsigned long long': 8,
  int64_t: 8,
  uint64_t: 8,
  size_t: 8,
  ssize_t: 8,
  double: 8,
};

/** Byte size of a named type; pointers are 8; structs and unknown typedefs are undefined. */
export function typeSize(typeText: string): number | undefined {
  // Every declaration asks: answer the common spellings without the regular expressions below, which
  // leave a table key as it is and keep a trailing `*` last.
  if (Object.hasOwn(TYPE_SIZES, typeText)) return TYPE_SIZES[typeText];
  if (typeText.trimEnd().endsWith('*')) return 8;
  const t = typeText
    .replace(/\b(const|volatile|static|struct|register)\b/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (t.endsWith('*')) return 8;
  return TYPE_SIZES[t];
}

export const COMPARISON_OPERATORS = new Set(['<', '<=', '>', '>=', '==', '!=']);
export const LOGICAL_OPERATORS = new Set(['&&', '||']);

/** Identifiers (variables) inside an expression, in source order, skipping callee names, fields and sizeof operands. */
export function identifiersIn(node: Node, out: string[] = []): string[] {
  const pending = [node];
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (n.type === 'identifier') {
      out.push(n.text);
      continue;
    }
    if (n.type === 'sizeof_expression' || n.type === 'string_literal') continue;
    let children: readonly Node[];
    if (n.type === 'call_expression' || n.type === 'field_expression') {
      const inner = n.childForFieldName(n.type === 'call_expression' ? 'arguments' : 'argument');
      children = inner ? [inner] : [];
    } else {
      children = named(n);
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return out;
}

/** 1-based line of a node within the parsed function source. */
export function lineOf(node: Node): number {
  return node.startPosition.row + 1;
}
