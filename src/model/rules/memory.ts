// free/delete bookkeeping: double free, use after free, mismatched and non-heap deallocation, leaks.

import type { FlowState } from './state.ts';
import { callArgs, calleeName, EXITS, JUMPS, named, unwrap } from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';

export const FREE_CALLS = new Set(['free', 'cfree', 'g_free', 'kfree', 'vfree']);

/** Calls that use a pointer without taking ownership of it, so passing an allocation to them is no hand-off. */
const NON_CAPTURING = new Set([
  'strcpy',
  'strncpy',
  'strcat',
  'strncat',
  'memcpy',
  'memmove',
  'memset',
  'memcmp',
  'strcmp',
  'strncmp',
  'strlen',
  'strchr',
  'strrchr',
  'strstr',
  'puts',
  'fputs',
  'fgets',
  'fread',
  'fwrite',
  'sprintf',
  'snprintf',
  'sscanf',
  'fscanf',
  'scanf',
  'atoi',
  'atol',
  'strtol',
  'strtoul',
  'realloc',
  'wcscpy',
  'wcslen',
  'wmemset',
]);

function nonCapturing(name: string): boolean {
  return NON_CAPTURING.has(name) || name.startsWith('print') || name.endsWith('printf');
}

/** A free followed in its own block by a jump only releases memory on that path: later code runs on others. */
export function endsItsPath(node: Node): boolean {
  let stmt: Node | null = node;
  while (stmt?.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  if (!stmt?.parent) return false;
  for (let next = stmt.nextNamedSibling; next; next = next.nextNamedSibling) {
    if (JUMPS.has(next.type)) return true;
    if (next.type === 'expression_statement') {
      const expr = next.namedChild(0);
      if (expr?.type === 'call_expression' && EXITS.has(calleeName(expr))) return true;
    }
  }
  return false;
}

export type Deallocation = 'free' | 'delete' | 'delete[]';

export function deallocate(state: FlowState, target: Node, how: Deallocation, at: Node): void {
  const n = unwrap(target);
  if (n.type !== 'identifier') return;
  const name = n.text;
  if (state.freed.has(name)) state.hit('double-free', at, `${name} is freed a second time`);
  const origin = state.origin.get(name);
  if (origin === 'stack' || origin === 'literal') {
    state.hit(
      'free-non-heap',
      at,
      `${name} points at ${origin === 'stack' ? 'stack memory' : 'a string literal'}`,
    );
  } else if (origin && origin !== expectedOrigin(how)) {
    state.hit(
      'mismatched-deallocation',
      at,
      `${name} came from ${describe(origin)} but is released with ${how}`,
    );
  }
  state.ownedAllocations.delete(name);
  if (!endsItsPath(at)) state.freed.set(name, at.startIndex);
}

function expectedOrigin(how: Deallocation): string {
  return how === 'free' ? 'malloc' : how === 'delete' ? 'new' : 'new[]';
}

function describe(origin: string): string {
  return origin === 'malloc' ? 'malloc' : origin === 'new' ? 'new' : 'new[]';
}

/** `delete p` or `delete [] p`. */
export function visitDelete(state: FlowState, node: Node): void {
  const target = named(node).at(-1);
  if (!target) return;
  const isArray = /^delete\s*\[/.test(node.text);
  deallocate(state, target, isArray ? 'delete[]' : 'delete', node);
}

/** Whether reading the identifier here hands its value to something that may keep it. */
export function escapes(ident: Node): boolean {
  let child = ident;
  let parent = ident.parent;
  while (parent && (parent.type === 'parenthesized_expression' || parent.type === 'cast_expression')) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return false;
  switch (parent.type) {
    case 'argument_list': {
      const call = parent.parent;
      const name = call ? calleeName(call) : '';
      return !(nonCapturing(name) || FREE_CALLS.has(name));
    }
    case 'return_statement':
    case 'initializer_list':
    case 'init_declarator':
      return true;
    case 'assignment_expression':
      return parent.childForFieldName('right')?.equals(child) === true;
    default:
      return false;
  }
}

/** Every call argument that is a freed pointer is a use after free. */
export function checkFreedArguments(state: FlowState, call: Node): void {
  if (FREE_CALLS.has(calleeName(call))) return;
  for (const arg of callArgs(call)) {
    const n = unwrap(arg);
    if (n.type === 'identifier' && state.freed.has(n.text)) {
      state.hit('use-after-free', call, `${n.text} is used after it was freed`);
      state.freed.delete(n.text);
    }
  }
}

export function reportLeaks(state: FlowState): void {
  for (const [name, at] of state.ownedAllocations) {
    state.hit('memory-leak', at, `memory allocated to ${name} is never freed or handed on`);
  }
}
