// What the walk knows about each local variable at the current point of the function, read in source
// order. It is a deliberately light data flow: branches are walked one after the other and merged by
// "last write wins", which is enough to tell a checked value from an unchecked one in straight-line code.

import { ruleInfo } from './catalog.ts';
import { lineOf } from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';

export interface VarInfo {
  name: string;
  typeText: string;
  pointer: boolean;
  array: boolean;
  /** Size of one element (what `p[i]` addresses), when the type is a known scalar. */
  elemSize?: number;
  unsigned: boolean;
  /** int/char/float/pointer-like: a value with no constructor, so reading it before a write is undefined. */
  plain: boolean;
  isParam: boolean;
  /** Declared with an initializer, or otherwise given a value (address taken, written). */
  initialized: boolean;
  /** Text of the declared array size, e.g. `SIZE`, for `<=` loop checks when it is a macro. */
  sizeText?: string;
}

/** Where a pointer's memory came from, for free/delete checks. */
export type Origin = 'malloc' | 'new' | 'new[]' | 'stack' | 'literal';

/** A comparison seen on a variable: upper = against a size-like value, lower = against 0/-1, null = a NULL/truth test. */
export type CheckKind = 'upper' | 'lower' | 'null' | 'any';

export interface Hit {
  ruleId: string;
  line: number;
  reason: string;
}

export interface Loop {
  variable: string;
  /** Largest value the index takes when the bound is a constant. */
  max?: number;
  boundText: string;
  boundNode: Node;
  inclusive: boolean;
}

export class FlowState {
  readonly vars = new Map<string, VarInfo>();
  /** Capacity in bytes of the memory a variable names (array, or what a pointer points at). */
  readonly capacity = new Map<string, number>();
  /** Known strlen of a buffer's contents. */
  readonly stringLength = new Map<string, number>();
  readonly origin = new Map<string, Origin>();
  /** Fresh buffers (malloc, alloca, new[], arrays without initializer): how many leading elements are set. */
  readonly initializedElements = new Map<string, number>();
  /** Scalars whose current value is a known constant (straight-line code only). */
  readonly constants = new Map<string, number>();
  /** Scalars the caller controls (parameters, fields of parameters): weaker evidence than input. */
  readonly callerControlled = new Map<string, string>();
  /** Variable → where its external (attacker-influenced) value came from. */
  readonly taint = new Map<string, string>();
  readonly lastWrite = new Map<string, number>();
  readonly checks = new Map<string, { pos: number; kind: CheckKind }[]>();
  /** Pointers that may be NULL now: 'null' when NULL was assigned, else the call that may have returned NULL. */
  readonly nullable = new Map<
    string,
    { rule: 'null-dereference' | 'unchecked-null-result' | 'unchecked-lookup-result'; source: string }
  >();
  readonly freed = new Map<string, number>();
  /** Heap allocations held by a local and not yet freed or handed on: name → the allocating write. */
  readonly ownedAllocations = new Map<string, Node>();
  /** Pointer → the buffer it was derived from, for pointer subtraction. */
  readonly derivedFrom = new Map<string, string>();
  readonly loops: Loop[] = [];
  readonly hits: Hit[] = [];
  private readonly reported = new Set<string>();
  variadic = false;

  hit(ruleId: string, node: Node, reason: string): void {
    ruleInfo(ruleId);
    const key = `${ruleId}:${lineOf(node)}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.hits.push({ ruleId, line: lineOf(node), reason });
  }

  addCheck(name: string, pos: number, kind: CheckKind): void {
    let list = this.checks.get(name);
    if (!list) {
      list = [];
      this.checks.set(name, list);
    }
    list.push({ pos, kind });
  }

  /** Kinds of comparison made on a variable since it was last written. */
  private checkKinds(name: string): Set<CheckKind> {
    const since = this.lastWrite.get(name) ?? -1;
    const kinds = new Set<CheckKind>();
    for (const check of this.checks.get(name) ?? []) if (check.pos > since) kinds.add(check.kind);
    return kinds;
  }

  /** Compared with an upper bound, and with a lower bound too unless the type is unsigned. */
  isBounded(name: string): boolean {
    const kinds = this.checkKinds(name);
    if (!kinds.has('upper')) return false;
    return kinds.has('lower') || this.vars.get(name)?.unsigned === true;
  }

  /** Compared with a size-like value since its last write, e.g. `strlen(s) < sizeof buf`. */
  hasUpperBound(name: string): boolean {
    return this.checkKinds(name).has('upper');
  }

  hasLowerBound(name: string): boolean {
    return this.checkKinds(name).has('lower');
  }

  isCheckedAtAll(name: string): boolean {
    return this.checkKinds(name).size > 0;
  }

  isNullChecked(name: string): boolean {
    const kinds = this.checkKinds(name);
    return kinds.has('null') || kinds.has('lower');
  }

  /** The first tainted and unbounded variable among `names`, if any. */
  unboundedTaint(names: string[], bounded: (name: string) => boolean): string | undefined {
    return names.find((name) => this.taint.has(name) && !bounded(name));
  }

  /** Forgets everything a write replaces. */
  forgetValue(name: string): void {
    this.capacity.delete(name);
    this.stringLength.delete(name);
    this.origin.delete(name);
    this.nullable.delete(name);
    this.freed.delete(name);
    this.derivedFrom.delete(name);
    this.constants.delete(name);
    this.initializedElements.delete(name);
  }
}
