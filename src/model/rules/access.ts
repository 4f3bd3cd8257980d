// The checks a single expression triggers, given what the walk knows at that point: indices against
// declared sizes, arithmetic and allocation sizes against range checks, pointer offsets and subtraction,
// and reads of buffer elements nothing was stored in yet.
import { scalarNames } from './calls.ts';
import type { FlowState, VarInfo } from './state.ts';
import { unwrap } from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';
import { evalConst } from './values.ts';

/** `p = buf - 8`: a pointer before the start of the buffer. */
export function checkPointerOffset(state: FlowState, name: string, n: Node, at: Node): void {
  const op = n.childForFieldName('operator')?.type;
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  if (op !== '-' || !left || !right) return;
  const leftBase = unwrap(left);
  if (leftBase.type !== 'identifier') return;
  const from = state.vars.get(leftBase.text);
  const offset = evalConst(right, state);
  const isBuffer = from?.array || state.capacity.has(leftBase.text);
  if (isBuffer && offset !== undefined && offset > 0) {
    state.hit('pointer-before-buffer', at, `${name} points ${offset} elements before ${leftBase.text}`);
  }
}

export function checkAllocationSize(state: FlowState, size: Node, at: Node): void {
  const external = state.unboundedTaint(scalarNames(state, size), (n) => state.isBounded(n));
  if (external) state.hit('allocation-size-external', at, `allocation size from ${external} is not bounded`);
}

/**
 * Adding needs an upper-bound check first, subtracting a lower-bound one; a product overflows either way
 * for a signed value, so it needs both (unsigned: the upper one).
 */
export function checkArithmetic(
  state: FlowState,
  name: string,
  at: Node,
  direction: 'up' | 'down' | 'both',
): void {
  const info = state.vars.get(name);
  if (!info || info.pointer || info.array) return;
  const source = state.taint.get(name);
  const checked =
    direction === 'up'
      ? state.hasUpperBound(name)
      : direction === 'down'
        ? state.hasLowerBound(name)
        : state.isBounded(name);
  if (source && !checked) {
    state.hit('integer-overflow-external', at, `arithmetic on ${name} from ${source} without a range check`);
  }
}

export function checkPointerSubtraction(state: FlowState, node: Node, left: Node, right: Node): void {
  const a = unwrap(left);
  const b = unwrap(right);
  if (a.type !== 'identifier' || b.type !== 'identifier') return;
  const infoA = state.vars.get(a.text);
  const infoB = state.vars.get(b.text);
  if (!(infoA?.pointer || infoA?.array) || !(infoB?.pointer || infoB?.array)) return;
  const rootA = state.derivedFrom.get(a.text) ?? a.text;
  const rootB = state.derivedFrom.get(b.text) ?? b.text;
  if (rootA !== rootB && state.derivedFrom.has(a.text)) {
    state.hit('pointer-subtraction-size', node, `${a.text} and ${b.text} point into different buffers`);
  }
}

/** Reads of elements no store has reached yet in a fresh buffer; stores extend the reached prefix. */
export function trackElements(state: FlowState, writing: boolean, name: string, index: Node, at: Node): void {
  const set = state.initializedElements.get(name);
  if (set === undefined) return;
  const i = unwrap(index);
  const loop =
    i.type === 'identifier' ? [...state.loops].reverse().find((l) => l.variable === i.text) : undefined;
  const last = loop ? loop.max : evalConst(index, state);
  if (last === undefined) {
    state.initializedElements.delete(name);
    return;
  }
  if (writing) {
    if (loop || last <= set) state.initializedElements.set(name, Math.max(set, last + 1));
  } else if (last >= set) {
    state.hit('uninitialized-use', at, `${name}[${last}] is read before anything was stored there`);
    state.initializedElements.delete(name);
  }
}

export function checkIndex(
  state: FlowState,
  name: string,
  info: VarInfo | undefined,
  index: Node,
  at: Node,
): void {
  const capacity = state.capacity.get(name);
  const elem = info?.elemSize;
  const i = unwrap(index);
  const loopVar = i.type === 'identifier' && state.loops.some((l) => l.variable === i.text);
  const guarded = i.type === 'identifier' && state.isCheckedAtAll(i.text);
  const k = loopVar || guarded ? undefined : evalConst(index, state);
  if (k !== undefined) {
    if (k < 0 && (info?.array || state.origin.has(name))) {
      state.hit('index-out-of-bounds', at, `negative index ${k} into ${name}`);
    } else if (capacity !== undefined && elem !== undefined && (k + 1) * elem > capacity) {
      state.hit('index-out-of-bounds', at, `index ${k} past the ${capacity / elem} elements of ${name}`);
    }
    return;
  }
  if (i.type === 'identifier') {
    const loop = [...state.loops].reverse().find((l) => l.variable === i.text);
    if (loop) {
      if (
        loop.max !== undefined &&
        capacity !== undefined &&
        elem !== undefined &&
        (loop.max + 1) * elem > capacity
      ) {
        state.hit(
          'index-out-of-bounds',
          at,
          `loop index reaches ${loop.max} but ${name} has ${capacity / elem} elements`,
        );
      } else if (loop.inclusive && info?.sizeText === loop.boundText) {
        state.hit(
          'index-out-of-bounds',
          at,
          `loop runs to ${loop.boundText} inclusive over ${name}[${info.sizeText}]`,
        );
      } else if (capacity !== undefined || info?.array) {
        const external = state.unboundedTaint(scalarNames(state, loop.boundNode), (n) => state.isBounded(n));
        if (external)
          state.hit('unchecked-external-index', at, `loop bound ${external} comes from input unchecked`);
      }
    }
  }
  const names = scalarNames(state, index);
  const external = state.unboundedTaint(names, (n) => state.isBounded(n));
  if (external) {
    state.hit(
      'unchecked-external-index',
      at,
      `index ${external} from ${state.taint.get(external)} is not bounds-checked`,
    );
    return;
  }
  const controlled = names.find((n) => state.callerControlled.has(n) && !state.isCheckedAtAll(n));
  if (controlled && !state.loops.some((l) => l.variable === controlled)) {
    const from = state.callerControlled.get(controlled);
    state.hit('unchecked-caller-index', at, `index ${controlled} (${from}) is never compared with a bound`);
  }
}

/** `a - b` on unsigned lengths wraps to a huge value when b > a; a fix compares them first. */
export function checkUnsignedSubtraction(state: FlowState, node: Node, left: Node, right: Node): void {
  const a = unwrap(left);
  const b = unwrap(right);
  if (a.type !== 'identifier' || b.type !== 'identifier') return;
  const infoA = state.vars.get(a.text);
  const infoB = state.vars.get(b.text);
  if (!infoA?.unsigned || !infoB?.unsigned || infoA.pointer || infoB.pointer) return;
  if (state.isCheckedAtAll(a.text) || state.isCheckedAtAll(b.text)) return;
  state.hit(
    'unsigned-underflow',
    node,
    `${a.text} - ${b.text} wraps if ${b.text} is larger; they are never compared`,
  );
}
