// What an expression is worth under the current flow state: a constant byte count, a string length, or
// the external source whose data it carries.

import type { FlowState, Origin } from './state.ts';
import {
  baseName,
  callArgs,
  calleeName,
  literalLength,
  named,
  numberValue,
  typeSize,
  unwrap,
} from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';

/** Calls whose result is attacker-influenced or unpredictable. */
export const SOURCE_CALLS = new Set([
  'rand',
  'random',
  'rand32',
  'rand64',
  'lrand48',
  'mrand48',
  'getenv',
  'secure_getenv',
  'getchar',
  'fgetc',
  'getc',
]);

/**
 * Calls whose result is bounded whatever the input: min-like helpers, string lengths (never more than
 * the buffer they measure), and reads that return how many bytes they stored.
 */
const BOUNDING_CALLS = new Set([
  'min',
  'fmin',
  'clamp',
  'strlen',
  'wcslen',
  'strnlen',
  'recv',
  'recvfrom',
  'read',
  'fread',
  'fgets',
  'snprintf',
  'strlcpy',
]);

export const HEAP_ALLOCATORS = new Set([
  'malloc',
  'calloc',
  'realloc',
  'strdup',
  'strndup',
  'xmalloc',
  'xcalloc',
]);
export const STACK_ALLOCATORS = new Set(['alloca', '_alloca']);

/** Library calls that return NULL on failure or when nothing is found. */
export const NULLABLE_CALLS = new Set([
  'malloc',
  'calloc',
  'realloc',
  'strdup',
  'strndup',
  'fopen',
  'fdopen',
  'tmpfile',
  'getenv',
  'strchr',
  'strrchr',
  'strstr',
  'strpbrk',
  'memchr',
  'bsearch',
  'localtime',
  'gmtime',
]);

/** An operator of evalConst's evaluation, applied to the values of its operands. */
type Arithmetic = '+' | '-' | '*' | '/' | 'negate';
const ARITHMETIC = new Set(['+', '-', '*', '/']);

/**
 * Constant value of an integer expression (byte counts, indices); undefined when not constant here.
 * Evaluated in postorder with explicit stacks, so a sum thousands of terms long cannot overflow the call stack.
 */
export function evalConst(node: Node, state: FlowState): number | undefined {
  const pending: (Node | Arithmetic)[] = [node];
  const values: (number | undefined)[] = [];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    if (typeof item === 'string') {
      if (item === 'negate') {
        const v = values.pop();
        values.push(v === undefined ? undefined : -v);
        continue;
      }
      const b = values.pop();
      const a = values.pop();
      values.push(a === undefined || b === undefined ? undefined : apply(item, a, b));
      continue;
    }
    const n = unwrap(item);
    if (n.type === 'binary_expression') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      const op = n.childForFieldName('operator')?.type ?? '';
      if (!left || !right || !ARITHMETIC.has(op)) values.push(undefined);
      else pending.push(op as Arithmetic, right, left);
      continue;
    }
    if (n.type === 'unary_expression' && n.childForFieldName('operator')?.type === '-') {
      const arg = n.childForFieldName('argument');
      if (arg) pending.push('negate', arg);
      else values.push(undefined);
      continue;
    }
    values.push(leafValue(n, state));
  }
  return values.pop();
}

function apply(op: Arithmetic, a: number, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    default:
      return b === 0 ? undefined : Math.trunc(a / b);
  }
}

/** The value of an expression that is not arithmetic: a literal, a known constant, sizeof, strlen. */
function leafValue(n: Node, state: FlowState): number | undefined {
  const literal = numberValue(n);
  if (literal !== undefined) return literal;
  if (n.type === 'identifier') return state.constants.get(n.text);
  if (n.type === 'sizeof_expression') return sizeofValue(n, state);
  if (n.type === 'call_expression') {
    const name = calleeName(n);
    const arg = callArgs(n)[0];
    if ((name === 'strlen' || name === 'wcslen') && arg) {
      const base = baseName(arg);
      return base === undefined ? undefined : state.stringLength.get(base);
    }
  }
  return undefined;
}

function sizeofValue(n: Node, state: FlowState): number | undefined {
  const type = n.childForFieldName('type');
  if (type) return typeSize(type.text);
  const value = n.childForFieldName('value');
  if (!value) return undefined;
  const inner = unwrap(value);
  if (inner.type === 'identifier') {
    const info = state.vars.get(inner.text);
    if (info?.array) return state.capacity.get(inner.text);
    if (info) return info.pointer ? 8 : typeSize(info.typeText);
  }
  return undefined;
}

/** The largest strlen a source string can have here, when known. */
export function maxStringLength(node: Node, state: FlowState): number | undefined {
  const literal = literalLength(node);
  if (literal !== undefined) return literal;
  const base = baseName(node);
  if (base === undefined) return undefined;
  const known = state.stringLength.get(base);
  if (known !== undefined) return known;
  const cap = state.capacity.get(base);
  return cap === undefined ? undefined : cap - 1;
}

/**
 * The external source an expression carries, if any: the first found in source order. Calls to input
 * functions are sources; bounding calls, `%`/`&` and literals carry none; a ternary carries what either
 * arm does. An explicit stack: deeply nested expressions must not overflow the call stack.
 */
export function taintOf(node: Node, state: FlowState): string | undefined {
  const pending = [node];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const n = unwrap(next);
    let children: readonly Node[] = named(n);
    switch (n.type) {
      case 'identifier': {
        const taint = state.taint.get(n.text);
        if (taint) return taint;
        continue;
      }
      case 'sizeof_expression':
      case 'string_literal':
      case 'number_literal':
      case 'char_literal':
        continue;
      case 'call_expression': {
        const name = calleeName(n);
        if (SOURCE_CALLS.has(name)) return `${name}()`;
        if (BOUNDING_CALLS.has(name)) continue;
        children = callArgs(n);
        break;
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.type;
        if (op === '%' || op === '&') continue;
        break;
      }
      case 'conditional_expression': {
        // a MIN-like ternary bounds the value whichever way it goes only if both arms are bounded
        const arms = [n.childForFieldName('consequence'), n.childForFieldName('alternative')];
        children = arms.filter((arm): arm is Node => arm !== null);
        break;
      }
    }
    for (let i = children.length - 1; i >= 0; i--) pending.push(children[i]!);
  }
  return undefined;
}

export interface Allocation {
  origin: Origin;
  bytes?: number;
  /** The size expression, for external-size checks. */
  sizeNode?: Node;
  nullable: boolean;
  /** Contents are indeterminate until stored (malloc, alloca, new T[n] of a scalar type). */
  uninitialized?: boolean;
}

/** What a pointer assigned from `value` points at, when it is fresh memory or a literal. */
export function allocationOf(value: Node, state: FlowState): Allocation | undefined {
  const n = unwrap(value);
  if (n.type === 'string_literal' || n.type === 'concatenated_string') {
    const len = literalLength(n);
    return { origin: 'literal', bytes: len === undefined ? undefined : len + 1, nullable: false };
  }
  if (n.type === 'new_expression') {
    // placement new constructs in memory that is already owned elsewhere
    if (n.childForFieldName('placement')) return undefined;
    const typeNode = n.childForFieldName('type');
    const elem = typeNode ? typeSize(typeNode.text) : undefined;
    const declarator = n.childForFieldName('declarator');
    if (declarator?.type === 'new_declarator') {
      const length = declarator.childForFieldName('length');
      const count = length ? evalConst(length, state) : undefined;
      const bytes = count !== undefined && elem !== undefined ? count * elem : undefined;
      return {
        origin: 'new[]',
        bytes,
        sizeNode: length ?? undefined,
        nullable: false,
        uninitialized: elem !== undefined,
      };
    }
    const constructed = n.childForFieldName('arguments') !== null;
    return { origin: 'new', bytes: elem, nullable: false, uninitialized: elem !== undefined && !constructed };
  }
  if (n.type === 'call_expression') {
    const name = calleeName(n);
    const args = callArgs(n);
    if (STACK_ALLOCATORS.has(name) && args[0]) {
      return {
        origin: 'stack',
        bytes: evalConst(args[0], state),
        sizeNode: args[0],
        nullable: false,
        uninitialized: true,
      };
    }
    if (!HEAP_ALLOCATORS.has(name)) return undefined;
    if (name === 'calloc' && args[0] && args[1]) {
      const a = evalConst(args[0], state);
      const b = evalConst(args[1], state);
      return {
        origin: 'malloc',
        bytes: a !== undefined && b !== undefined ? a * b : undefined,
        sizeNode: args[0],
        nullable: true,
      };
    }
    const sizeArg = name === 'realloc' ? args[1] : name === 'strdup' ? undefined : args[0];
    return {
      origin: 'malloc',
      bytes: sizeArg ? evalConst(sizeArg, state) : undefined,
      sizeNode: sizeArg,
      nullable: true,
      uninitialized: name === 'malloc' || name === 'xmalloc',
    };
  }
  if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.type === '&') {
    const arg = n.childForFieldName('argument');
    const inner = arg ? unwrap(arg) : undefined;
    if (inner?.type === 'identifier') {
      const info = state.vars.get(inner.text);
      if (info && !info.isParam) {
        const bytes = info.array ? state.capacity.get(inner.text) : typeSize(info.typeText);
        return { origin: 'stack', bytes, nullable: false };
      }
    }
  }
  return undefined;
}
