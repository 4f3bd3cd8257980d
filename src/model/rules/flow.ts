// Walks one function in source order, keeping FlowState up to date and letting each construct check
// itself against what is known at that point.

import {
  checkArithmetic,
  checkIndex,
  checkPointerSubtraction,
  checkUnsignedSubtraction,
  trackElements,
} from './access.ts';
import { handleCall, scalarNames } from './calls.ts';
import { comparisonKinds, exits, type Polarity } from './conditions.ts';
import { escapes, reportLeaks, visitDelete } from './memory.ts';
import { FlowState, type Hit } from './state.ts';
import {
  baseName,
  COMPARISON_OPERATORS,
  calleeName,
  identifiersIn,
  LOGICAL_OPERATORS,
  named,
  numberValue,
  subscriptIndex,
  typeSize,
  unwrap,
} from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';
import { evalConst, taintOf } from './values.ts';
import { assign, CALLER_SCALAR, declareVariable } from './writes.ts';

const NARROW_TYPES = new Set([
  'char',
  'signed char',
  'unsigned char',
  'short',
  'unsigned short',
  'int8_t',
  'int16_t',
]);

/** Runs every check over the tree of one function and returns what fired. */
export function analyseFunctionTree(root: Node): Hit[] {
  const walker = new Walker();
  walker.run(root);
  reportLeaks(walker.state);
  return walker.state.hits;
}

/** A node to visit, or the rest of a construct's own work once the nodes scheduled before it are done. */
type Step = Node | (() => void);

/**
 * Visits in source order without recursion: deeply nested code (5,000 nested blocks or parentheses) must
 * not overflow the call stack. Each `visitX` does what comes before its first child at once and
 * schedules the rest with `schedule`, in order; the agenda is a stack, so everything a scheduled node
 * schedules in turn runs before the steps after it — the order a recursive walk would have.
 */
class Walker {
  readonly state = new FlowState();
  private readonly agenda: Step[] = [];
  private loopDepth = 0;
  /** Inside the target of an assignment: element accesses there store rather than load. */
  private writing = false;
  /** Set while walking an if condition: how its comparisons bound the values used after it. */
  private polarity: Polarity | undefined;

  run(root: Node): void {
    this.agenda.push(root);
    for (let step = this.agenda.pop(); step !== undefined; step = this.agenda.pop()) {
      if (typeof step === 'function') step();
      else this.visit(step);
    }
  }

  /** Schedules `steps` to run in order, next. Call it once per construct, with all of its remaining work. */
  private schedule(steps: readonly (Step | null | undefined)[]): void {
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      if (step) this.agenda.push(step);
    }
  }

  /** A condition to walk as a step (see visitCondition). */
  private condition(node: Node | null | undefined): Step | undefined {
    return node ? () => this.visitCondition(node) : undefined;
  }

  private visit(node: Node): void {
    switch (node.type) {
      case 'function_definition':
        this.visitFunction(node);
        return;
      case 'declaration':
        this.visitDeclaration(node);
        return;
      case 'assignment_expression':
        this.visitAssignment(node);
        return;
      case 'call_expression':
        this.visitCall(node);
        return;
      case 'identifier':
        this.read(node);
        return;
      case 'if_statement':
        this.visitIf(node);
        return;
      case 'while_statement':
      case 'do_statement':
        this.visitLoop(node);
        return;
      case 'for_statement':
        this.visitFor(node);
        return;
      case 'conditional_expression':
        this.visitConditional(node);
        return;
      case 'binary_expression':
        this.visitBinary(node);
        return;
      case 'unary_expression':
        this.visitUnary(node);
        return;
      case 'update_expression':
        this.visitUpdate(node);
        return;
      case 'subscript_expression':
        this.visitSubscript(node);
        return;
      case 'pointer_expression':
        this.visitPointer(node);
        return;
      case 'field_expression':
        this.visitField(node);
        return;
      case 'cast_expression':
        this.visitCast(node);
        return;
      case 'delete_expression':
        this.visitChildren(node, () => visitDelete(this.state, node));
        return;
      case 'sizeof_expression':
      case 'comment':
      case 'string_literal':
      case 'number_literal':
      case 'field_identifier':
      case 'type_identifier':
      case 'primitive_type':
      case 'statement_identifier':
        return;
      default:
        this.visitChildren(node);
        return;
    }
  }

  /** Schedules the named children in order, then `after`. */
  private visitChildren(node: Node, after?: () => void): void {
    if (after) this.agenda.push(after);
    const children = named(node);
    for (let i = children.length - 1; i >= 0; i--) this.agenda.push(children[i]!);
  }

  private visitFunction(node: Node): void {
    const declarator = node.childForFieldName('declarator');
    const fnDecl = declarator ? findFunctionDeclarator(declarator) : undefined;
    const params = fnDecl?.childForFieldName('parameters');
    if (params) {
      this.state.variadic = params.text.includes('...') || params.text.includes('va_list');
      for (const param of named(params)) {
        if (param.type !== 'parameter_declaration') continue;
        const type = param.childForFieldName('type')?.text ?? '';
        const d = param.childForFieldName('declarator');
        const name = d ? declareVariable(this.state, d, type, true) : undefined;
        const info = name ? this.state.vars.get(name) : undefined;
        if (name && info && !info.pointer && CALLER_SCALAR.test(type)) {
          this.state.callerControlled.set(name, `parameter ${name}`);
        }
      }
    }
    this.schedule([node.childForFieldName('body')]);
  }

  private visitDeclaration(node: Node): void {
    const typeText = node.childForFieldName('type')?.text ?? '';
    const steps: Step[] = [];
    for (const child of named(node)) {
      if (child.type === 'init_declarator') {
        const value = child.childForFieldName('value');
        if (value) steps.push(value);
        steps.push(() => {
          const inner = child.childForFieldName('declarator');
          const name = inner ? declareVariable(this.state, inner, typeText, false) : undefined;
          if (name && value) assign(this.state, name, value, child);
        });
      } else if (child.type === 'identifier' || child.type.endsWith('_declarator')) {
        steps.push(() => {
          const name = declareVariable(this.state, child, typeText, false);
          const info = name ? this.state.vars.get(name) : undefined;
          if (name && info?.array && info.elemSize !== undefined && !info.typeText.includes('char')) {
            this.state.initializedElements.set(name, 0);
          }
        });
      }
    }
    this.schedule(steps);
  }

  private visitAssignment(node: Node): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const op = node.childForFieldName('operator')?.type ?? '=';
    this.schedule([right, left ? () => this.assignTo(node, unwrap(left), right, op) : undefined]);
  }

  /** The target side of an assignment, once its value has been walked. */
  private assignTo(node: Node, target: Node, right: Node | null, op: string): void {
    if (target.type === 'identifier') {
      if (op === '=') {
        if (right) assign(this.state, target.text, right, node);
        return;
      }
      this.read(target);
      this.state.constants.delete(target.text);
      checkArithmetic(this.state, target.text, node, op === '-=' ? 'down' : op === '*=' ? 'both' : 'up');
      const taint = this.state.taint.get(target.text) ?? (right ? taintOf(right, this.state) : undefined);
      if (taint) this.state.taint.set(target.text, taint);
      return;
    }
    if (target.type === 'field_expression' && target.childForFieldName('operator')?.type === '.') {
      const base = target.childForFieldName('argument');
      const inner = base ? unwrap(base) : undefined;
      if (inner?.type === 'identifier') {
        const info = this.state.vars.get(inner.text);
        if (info) info.initialized = true;
        return;
      }
    }
    this.writing = true;
    this.schedule([
      target,
      () => {
        this.writing = false;
        if (target.type === 'subscript_expression' && right) this.noteTerminator(target, right);
      },
    ]);
  }

  /** `buf[k] = '\0'` fixes the string's length at k. */
  private noteTerminator(target: Node, right: Node): void {
    const arg = target.childForFieldName('argument');
    const index = subscriptIndex(target);
    const value = unwrap(right);
    if (!arg || !index || unwrap(arg).type !== 'identifier') return;
    if (value.text !== "'\\0'" && numberValue(value) !== 0) return;
    const k = evalConst(index, this.state);
    if (k !== undefined) this.state.stringLength.set(unwrap(arg).text, k);
  }

  private visitCall(node: Node): void {
    const fn = node.childForFieldName('function');
    const name = calleeName(node);
    const args = node.childForFieldName('arguments');
    const steps: Step[] = [];
    if (fn && fn.type !== 'identifier') steps.push(fn);
    if (args) {
      const isAssert = name.includes('assert');
      for (const arg of named(args)) steps.push(isAssert ? () => this.visitCondition(arg) : arg);
    }
    steps.push(() => handleCall(this.state, node, (n, at) => this.deref(n, at)));
    this.schedule(steps);
  }

  private read(node: Node): void {
    const name = node.text;
    const info = this.state.vars.get(name);
    if (!info) return;
    if (!info.initialized && info.plain && !info.isParam) {
      if (this.loopDepth > 0 || mayBeAssignedBy(node)) {
        // a loop may have assigned it on an earlier iteration; a macro-like call may assign it in place
        info.initialized = true;
        return;
      }
      this.state.hit('uninitialized-use', node, `${name} is read before it is assigned`);
      info.initialized = true;
    }
    if (this.state.ownedAllocations.has(name) && escapes(node)) this.state.ownedAllocations.delete(name);
  }

  private deref(name: string, at: Node): void {
    const state = this.state;
    if (state.freed.has(name)) {
      state.hit('use-after-free', at, `${name} is used after it was freed`);
      state.freed.delete(name);
    }
    const nullable = state.nullable.get(name);
    if (nullable && !state.isNullChecked(name)) {
      state.hit(
        nullable.rule,
        at,
        nullable.rule === 'null-dereference'
          ? `${name} is NULL here`
          : `${name} from ${nullable.source}() may be NULL and is not checked`,
      );
      state.nullable.delete(name);
    }
  }

  /** A condition: its tested names count as NULL checks, `!` and `&&`/`||` are looked through. */
  private visitCondition(node: Node): void {
    let n = unwrap(node);
    for (;;) {
      if (n.type !== 'unary_expression' || n.childForFieldName('operator')?.type !== '!') break;
      const arg = n.childForFieldName('argument');
      if (!arg) return;
      n = unwrap(arg);
    }
    if (n.type === 'identifier') {
      this.state.addCheck(n.text, n.startIndex, 'null');
      this.read(n);
      return;
    }
    if (
      n.type === 'binary_expression' &&
      LOGICAL_OPERATORS.has(n.childForFieldName('operator')?.type ?? '')
    ) {
      this.schedule([
        this.condition(n.childForFieldName('left')),
        this.condition(n.childForFieldName('right')),
      ]);
      return;
    }
    this.schedule([n]);
  }

  private visitIf(node: Node): void {
    const condition = node.childForFieldName('condition');
    const consequence = node.childForFieldName('consequence');
    const alternative = node.childForFieldName('alternative');
    // `if (n > max) return;` bounds n from above for the code after it; `if (n > max) { use(n); }` from below
    this.polarity = consequence && exits(consequence) ? 'negated' : 'direct';
    this.schedule([
      this.condition(condition),
      () => {
        this.polarity = undefined;
        // what the then-branch frees is not freed on the else-branch; after the if, either may have run
        const before = new Map(this.state.freed);
        this.schedule([consequence, alternative ? () => this.visitElse(alternative, before) : undefined]);
      },
    ]);
  }

  private visitElse(alternative: Node, before: Map<string, number>): void {
    const afterThen = new Map(this.state.freed);
    this.state.freed.clear();
    for (const [k, v] of before) this.state.freed.set(k, v);
    this.schedule([
      alternative,
      () => {
        for (const [k, v] of afterThen) this.state.freed.set(k, v);
      },
    ]);
  }

  private visitLoop(node: Node): void {
    const condition = node.childForFieldName('condition');
    const isWhile = node.type === 'while_statement';
    this.schedule([
      isWhile ? this.condition(condition) : undefined,
      () => this.loopDepth++,
      node.childForFieldName('body'),
      () => this.loopDepth--,
      isWhile ? undefined : this.condition(node.type === 'do_statement' ? condition : null),
    ]);
  }

  private visitFor(node: Node): void {
    const update = node.childForFieldName('update');
    const condition = node.childForFieldName('condition');
    this.schedule([
      node.childForFieldName('initializer'),
      () => {
        if (update) for (const name of identifiersIn(update)) this.state.constants.delete(name);
        if (condition) this.checkLoopBound(condition);
        this.schedule([
          this.condition(condition),
          () => {
            const pushed = condition ? this.pushLoop(condition) : false;
            this.schedule([
              () => this.loopDepth++,
              node.childForFieldName('body'),
              update,
              () => {
                this.loopDepth--;
                if (pushed) this.state.loops.pop();
              },
            ]);
          },
        ]);
      },
    ]);
  }

  /** `for (…; i < N; …)`: the index and its largest value, for the accesses in the body. */
  private pushLoop(condition: Node): boolean {
    const c = unwrap(condition);
    const op = c.childForFieldName('operator')?.type;
    const left = c.childForFieldName('left');
    const right = c.childForFieldName('right');
    if (c.type !== 'binary_expression' || !left || !right || (op !== '<' && op !== '<=')) return false;
    const variable = unwrap(left);
    if (variable.type !== 'identifier') return false;
    const bound = evalConst(right, this.state);
    const inclusive = op === '<=';
    this.state.loops.push({
      variable: variable.text,
      max: bound === undefined ? undefined : inclusive ? bound : bound - 1,
      boundText: right.text,
      inclusive,
      boundNode: right,
    });
    return true;
  }

  /** `for (i = 0; i < count; i++)` with count from input and never bounded: the loop runs as long as input says. */
  private checkLoopBound(condition: Node): void {
    const c = unwrap(condition);
    const op = c.childForFieldName('operator')?.type;
    const right = c.childForFieldName('right');
    if (c.type !== 'binary_expression' || !right || (op !== '<' && op !== '<=')) return;
    const external = this.state.unboundedTaint(scalarNames(this.state, right), (n) =>
      this.state.hasUpperBound(n),
    );
    if (external) {
      this.state.hit(
        'loop-bound-external',
        c,
        `loop count ${external} comes from ${this.state.taint.get(external)} unbounded`,
      );
    }
  }

  private visitConditional(node: Node): void {
    this.schedule([
      this.condition(node.childForFieldName('condition')),
      node.childForFieldName('consequence'),
      node.childForFieldName('alternative'),
    ]);
  }

  private visitBinary(node: Node): void {
    const op = node.childForFieldName('operator')?.type ?? '';
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) {
      this.visitChildren(node);
      return;
    }
    if (LOGICAL_OPERATORS.has(op)) {
      this.schedule([this.condition(left), this.condition(right)]);
      return;
    }
    this.schedule([left, right, () => this.checkBinary(node, op, left, right)]);
  }

  /** What an operator's use tells or risks, once both operands have been walked. */
  private checkBinary(node: Node, op: string, left: Node, right: Node): void {
    if (COMPARISON_OPERATORS.has(op)) {
      this.recordComparison(node, op, left, right);
      return;
    }
    if (op === '+' || op === '-' || op === '*') {
      for (const side of [left, right]) {
        const n = unwrap(side);
        if (n.type === 'identifier')
          checkArithmetic(this.state, n.text, node, op === '-' ? 'down' : op === '*' ? 'both' : 'up');
      }
      if (op === '-') {
        checkPointerSubtraction(this.state, node, left, right);
        checkUnsignedSubtraction(this.state, node, left, right);
      }
    }
    if (op === '/' || op === '%') {
      const divisor = scalarNames(this.state, right).find(
        (n) => this.state.taint.has(n) && !this.state.isCheckedAtAll(n),
      );
      if (divisor) {
        this.state.hit(
          'divide-by-external',
          node,
          `divisor ${divisor} comes from ${this.state.taint.get(divisor)} unchecked`,
        );
      }
    }
    if (op === '>>') this.visitStreamRead(left, right);
  }

  /** `cin >> x` fills x with input. */
  private visitStreamRead(left: Node, right: Node): void {
    if (!/\bcin$|\bstd::cin$|stream$/i.test(unwrap(left).text)) return;
    const target = baseName(right);
    if (target) {
      this.state.forgetValue(target);
      this.state.taint.set(target, 'std::cin');
      this.state.lastWrite.set(target, right.startIndex);
      const info = this.state.vars.get(target);
      if (info) info.initialized = true;
    }
  }

  private recordComparison(node: Node, op: string, left: Node, right: Node): void {
    const pos = node.startIndex;
    for (const [side, other] of [
      [left, right],
      [right, left],
    ] as const) {
      const inner = unwrap(side);
      // |x| <= K bounds x from both sides
      const magnitude = inner.type === 'call_expression' && /abs$/.test(calleeName(inner));
      const kinds = magnitude
        ? (['upper', 'lower'] as const)
        : comparisonKinds(op, other, this.state, this.polarity, side === left);
      for (const name of identifiersIn(side)) for (const kind of kinds) this.state.addCheck(name, pos, kind);
    }
  }

  private visitUnary(node: Node): void {
    const op = node.childForFieldName('operator')?.type;
    const arg = node.childForFieldName('argument');
    if (op === '!' && arg) {
      this.visitCondition(arg);
      return;
    }
    this.visitChildren(node);
  }

  private visitUpdate(node: Node): void {
    const arg = node.childForFieldName('argument');
    if (!arg) return;
    const n = unwrap(arg);
    if (n.type === 'identifier') {
      this.read(n);
      this.state.constants.delete(n.text);
      checkArithmetic(this.state, n.text, node, node.text.includes('--') ? 'down' : 'up');
    } else {
      this.schedule([arg]);
    }
  }

  private visitSubscript(node: Node): void {
    const arg = node.childForFieldName('argument');
    const index = subscriptIndex(node);
    this.schedule([arg, index, arg && index ? () => this.checkSubscript(node, arg, index) : undefined]);
  }

  private checkSubscript(node: Node, arg: Node, index: Node): void {
    const a = unwrap(arg);
    if (a.type !== 'identifier') {
      // p->table[i]: no size known, but the index can still be unchecked
      checkIndex(this.state, '', undefined, index, node);
      return;
    }
    const name = a.text;
    const info = this.state.vars.get(name);
    if (info?.pointer) this.deref(name, node);
    checkIndex(this.state, name, info, index, node);
    trackElements(this.state, this.writing, name, index, node);
  }

  private visitPointer(node: Node): void {
    const op = node.childForFieldName('operator')?.type;
    const arg = node.childForFieldName('argument');
    if (!arg) return;
    const n = unwrap(arg);
    if (op === '&') {
      if (n.type === 'identifier') {
        const info = this.state.vars.get(n.text);
        if (info) info.initialized = true;
        // whoever gets the address may change the value
        this.state.constants.delete(n.text);
        if (this.state.ownedAllocations.has(n.text)) this.state.ownedAllocations.delete(n.text);
        return;
      }
      this.schedule([arg]);
      return;
    }
    if (op !== '*' || n.type !== 'identifier') {
      this.schedule([arg]);
      return;
    }
    this.schedule([arg, () => this.checkDeref(node, n.text)]);
  }

  /** `*p`: a dereference, and a load or store of p's first element. */
  private checkDeref(node: Node, name: string): void {
    this.deref(name, node);
    const set = this.state.initializedElements.get(name);
    if (set !== undefined && this.writing) this.state.initializedElements.set(name, Math.max(set, 1));
    else if (set === 0) {
      this.state.hit('uninitialized-use', node, `*${name} is read before anything was stored there`);
      this.state.initializedElements.delete(name);
    }
  }

  private visitField(node: Node): void {
    const arg = node.childForFieldName('argument');
    if (!arg) return;
    const n = unwrap(arg);
    const arrow = node.childForFieldName('operator')?.type === '->' && n.type === 'identifier';
    this.schedule([arg, arrow ? () => this.deref(n.text, node) : undefined]);
  }

  private visitCast(node: Node): void {
    const value = node.childForFieldName('value');
    if (!value) return;
    this.schedule([value, () => this.checkNarrowing(node, value)]);
  }

  private checkNarrowing(node: Node, value: Node): void {
    const type = node.childForFieldName('type')?.text.replace(/\s+/g, ' ').trim() ?? '';
    const n = unwrap(value);
    if (NARROW_TYPES.has(type) && n.type === 'identifier') {
      const info = this.state.vars.get(n.text);
      const source = this.state.taint.get(n.text);
      const wider = info && (typeSize(info.typeText) ?? 0) > (typeSize(type) ?? 0);
      if (source && wider && !this.state.isBounded(n.text)) {
        this.state.hit('narrowing-external', node, `${n.text} from ${source} is cast to ${type} unchecked`);
      }
    }
  }
}

/**
 * A variable passed by name to a function we do not know may be assigned there: in C that is a macro
 * (spin_lock_irqsave(lock, flags), list_for_each(pos, head)). Printing and libc calls only read.
 */
function mayBeAssignedBy(ident: Node): boolean {
  const parent = ident.parent;
  if (parent?.type !== 'argument_list' || !parent.parent) return false;
  const name = calleeName(parent.parent);
  return !(
    name.startsWith('print') ||
    name.endsWith('printf') ||
    name.startsWith('str') ||
    name.startsWith('mem')
  );
}

function findFunctionDeclarator(node: Node): Node | undefined {
  for (let d: Node | null = node; d; d = d.childForFieldName('declarator')) {
    if (d.type === 'function_declarator') return d;
  }
  return undefined;
}
