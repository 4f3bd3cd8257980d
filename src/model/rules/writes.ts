// What a declaration or an assignment teaches the walk about a variable: its type and size, where its
// memory came from, whether it may be NULL, whether its value came from input or from the caller.
import { checkAllocationSize, checkPointerOffset } from './access.ts';
import type { FlowState, VarInfo } from './state.ts';
import { baseName, calleeName, isNullLiteral, typeSize, unwrap } from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';
import { allocationOf, evalConst, maxStringLength, NULLABLE_CALLS, taintOf } from './values.ts';

/** Records a declared variable; returns its name. */
export function declareVariable(
  state: FlowState,
  declarator: Node,
  typeText: string,
  isParam: boolean,
): string | undefined {
  let d: Node | null = declarator;
  let depth = 0;
  let arraySize: Node | null | undefined;
  let array = false;
  while (d && d.type !== 'identifier') {
    if (d.type === 'pointer_declarator' || d.type === 'reference_declarator')
      depth += d.type === 'pointer_declarator' ? 1 : 0;
    if (d.type === 'array_declarator') {
      array = true;
      arraySize = d.childForFieldName('size');
    }
    d = d.childForFieldName('declarator') ?? (d.type === 'reference_declarator' ? d.namedChild(0) : null);
  }
  if (!d) return undefined;
  const name = d.text;
  const scalarSize = typeSize(typeText);
  const info: VarInfo = {
    name,
    typeText,
    pointer: depth > 0 || (isParam && array),
    array: array && !isParam,
    elemSize: depth > 1 ? 8 : scalarSize,
    unsigned: depth === 0 && /\b(unsigned|size_t|uint\w*)\b/.test(typeText),
    plain: depth > 0 || scalarSize !== undefined,
    isParam,
    initialized: isParam || array,
    sizeText: arraySize?.text,
  };
  state.vars.set(name, info);
  state.forgetValue(name);
  state.taint.delete(name);
  state.ownedAllocations.delete(name);
  if (info.array) {
    state.origin.set(name, 'stack');
    const count = arraySize ? evalConst(arraySize, state) : undefined;
    if (count !== undefined && scalarSize !== undefined) state.capacity.set(name, count * scalarSize);
  }
  return name;
}

/** `name = value`: replaces what was known about name. */
export function assign(state: FlowState, name: string, value: Node, at: Node): void {
  const info = state.vars.get(name);
  const wasArrayInit = info?.array === true;
  if (info) info.initialized = true;
  state.lastWrite.set(name, at.startIndex);
  // a type's limit (INT_MAX, CHAR_MIN) is as dangerous as input for the arithmetic that follows
  const limit = unwrap(value).type === 'identifier' && /^[A-Z]+_(MAX|MIN)$/.test(unwrap(value).text);
  const taint = taintOf(value, state) ?? (limit ? unwrap(value).text : undefined);
  if (taint) state.taint.set(name, taint);
  else state.taint.delete(name);
  const controlled = info && !info.pointer && !info.array ? callerControlOf(value, state) : undefined;
  if (controlled) state.callerControlled.set(name, controlled);
  else state.callerControlled.delete(name);
  if (wasArrayInit) {
    // `char buf[] = "text"`: the array keeps its storage; only the known contents change
    const len = maxStringLength(value, state);
    if (len !== undefined) {
      state.stringLength.set(name, len);
      if (!state.capacity.has(name) && !info?.sizeText) state.capacity.set(name, len + 1);
    }
    return;
  }
  state.forgetValue(name);
  state.ownedAllocations.delete(name);
  const n = unwrap(value);
  if (info && !info.pointer && !info.array) {
    const constant = evalConst(n, state);
    if (constant !== undefined) state.constants.set(name, constant);
  }
  if (isNullLiteral(n)) {
    if (info?.pointer) state.nullable.set(name, { rule: 'null-dereference', source: 'NULL' });
    return;
  }
  const allocation = allocationOf(n, state);
  if (allocation) {
    state.origin.set(name, allocation.origin);
    if (allocation.bytes !== undefined) state.capacity.set(name, allocation.bytes);
    if (allocation.nullable)
      state.nullable.set(name, { rule: 'unchecked-null-result', source: calleeName(n) });
    if (allocation.origin !== 'stack' && allocation.origin !== 'literal')
      state.ownedAllocations.set(name, at);
    if (allocation.sizeNode) checkAllocationSize(state, allocation.sizeNode, at);
    if (allocation.origin === 'literal') state.stringLength.set(name, (allocation.bytes ?? 1) - 1);
    if (allocation.uninitialized && info?.elemSize !== undefined) state.initializedElements.set(name, 0);
    return;
  }
  if (n.type === 'identifier') {
    const from = n.text;
    const cap = state.capacity.get(from);
    if (cap !== undefined) state.capacity.set(name, cap);
    const len = state.stringLength.get(from);
    if (len !== undefined) state.stringLength.set(name, len);
    const origin = state.origin.get(from);
    if (origin) state.origin.set(name, origin);
    const elements = state.initializedElements.get(from);
    if (elements !== undefined) state.initializedElements.set(name, elements);
    const nullable = state.nullable.get(from);
    if (nullable && !state.isNullChecked(from)) state.nullable.set(name, nullable);
    state.derivedFrom.set(name, state.derivedFrom.get(from) ?? from);
    return;
  }
  if (n.type === 'call_expression' && NULLABLE_CALLS.has(calleeName(n)) && info?.pointer) {
    state.nullable.set(name, { rule: 'unchecked-null-result', source: calleeName(n) });
  } else if (n.type === 'call_expression' && LOOKUP_NAME.test(calleeName(n)) && info?.pointer) {
    state.nullable.set(name, { rule: 'unchecked-lookup-result', source: calleeName(n) });
  }
  if (n.type === 'binary_expression') checkPointerOffset(state, name, n, at);
  const base = baseName(n);
  if (base && base !== name) state.derivedFrom.set(name, state.derivedFrom.get(base) ?? base);
  if (n.type === 'call_expression') {
    const first = n.childForFieldName('arguments')?.namedChild(0);
    const argBase = first ? baseName(first) : undefined;
    if (argBase) state.derivedFrom.set(name, state.derivedFrom.get(argBase) ?? argBase);
  }
}

/** Project functions whose names say they may find nothing or fail to allocate. */
const LOOKUP_NAME =
  /(^|_)(find|lookup|search|get|alloc|new|create|dup|open|next|first|parse)(_|$)|(find|lookup|alloc)/;

/** Integer parameter types whose value the caller chooses. */
export const CALLER_SCALAR = /\b(int|long|short|size_t|ssize_t|u?int\d+_t|unsigned|u\d+|s\d+)\b/;

/**
 * `len` of `hdr->len` where hdr is a parameter, or arithmetic over caller-controlled scalars: the first
 * found, left operand first (an explicit stack, for long sums).
 */
function callerControlOf(value: Node, state: FlowState): string | undefined {
  const pending = [value];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const n = unwrap(next);
    if (n.type === 'identifier') {
      const controlled = state.callerControlled.get(n.text);
      if (controlled) return controlled;
    } else if (n.type === 'field_expression') {
      const base = n.childForFieldName('argument');
      const root = base ? unwrap(base) : undefined;
      if (root?.type === 'identifier' && state.vars.get(root.text)?.isParam)
        return `${n.text} from the caller`;
    } else if (n.type === 'binary_expression') {
      const op = n.childForFieldName('operator')?.type;
      if (op !== '+' && op !== '-' && op !== '*' && op !== '<<') continue;
      const right = n.childForFieldName('right');
      const left = n.childForFieldName('left');
      if (right) pending.push(right);
      if (left) pending.push(left);
    }
  }
  return undefined;
}
