// Qualified names of function definitions, from tree-sitter's declarator chain.
import type { Node } from 'web-tree-sitter';

// Declarators that wrap the one naming the function: `*f()`, `&f()`, `(f)()`, `f() [[attr]]`, `(*f(void))(int)`.
const WRAPPERS = new Set([
  'function_declarator',
  'pointer_declarator',
  'reference_declarator',
  'parenthesized_declarator',
  'attributed_declarator',
]);

const MAX_NAME = 120;
const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Canonical spelling: single spaces, none around `::`, `operator ==` → `operator==`. */
export function cleanName(text: string): string {
  // Most names are one plain identifier, which every rewrite below leaves as it is.
  if (text.length <= MAX_NAME && PLAIN.test(text)) return text;
  const name = text
    .replace(/\s+/g, ' ')
    .replace(/\s*::\s*/g, '::')
    .replace(/\boperator\s+(?=[^\w\s])/g, 'operator')
    .replace(/\s*([<>,])\s*/g, (_, c: string) => (c === ',' ? ', ' : c))
    .trim();
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name;
}

function innerDeclarator(node: Node): Node | null {
  const field = node.childForFieldName('declarator');
  if (field) return field;
  for (const child of node.namedChildren) {
    if (child && child.type !== 'attribute_specifier' && child.type !== 'attribute_declaration') return child;
  }
  return null;
}

/** `operator bool() const` → `operator bool`: a conversion operator's node also spans its parameters. */
function withoutCastParameters(node: Node): string {
  if (node.type === 'operator_cast') {
    const params = node.childForFieldName('declarator');
    return params ? node.text.slice(0, params.startIndex - node.startIndex) : node.text;
  }
  if (node.type === 'qualified_identifier') {
    const name = node.childForFieldName('name');
    if (name && (name.type === 'operator_cast' || name.type === 'qualified_identifier')) {
      return node.text.slice(0, name.startIndex - node.startIndex) + withoutCastParameters(name);
    }
  }
  return node.text;
}

/** The name a function_definition declares as written (`f`, `A::B::f`, `operator==`), or undefined. */
export function declaredName(definition: Node): string | undefined {
  const declarator = definition.childForFieldName('declarator');
  let node = declarator;
  let sawFunction = false;
  while (node && WRAPPERS.has(node.type)) {
    if (node.type === 'function_declarator') sawFunction = true;
    node = innerDeclarator(node);
  }
  // `static int __init dev_init(void) {`: the unknown macro ends a declaration early and tree-sitter
  // reads `dev_init` as the return type and `(void)` as a parenthesized declarator. The "type" is the name.
  if (!sawFunction && declarator?.type === 'parenthesized_declarator') {
    const type = definition.childForFieldName('type');
    if (type?.type === 'type_identifier') return cleanName(type.text);
  }
  if (!node) return undefined;
  return cleanName(withoutCastParameters(node));
}

/** Joins enclosing scopes and the declared name: `ns` + `Box::get` → `ns::Box::get`. */
export function qualify(scope: readonly string[], name: string): string {
  return scope.length === 0 ? name : `${scope.join('::')}::${name}`;
}
