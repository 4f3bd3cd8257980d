// Library calls as sinks (copies, formats, commands, paths) and as sources (reads that fill a buffer).

import { checkFreedArguments, deallocate, FREE_CALLS } from './memory.ts';
import type { FlowState } from './state.ts';
import {
  baseName,
  callArgs,
  calleeName,
  identifiersIn,
  isStringLiteral,
  literalLength,
  unwrap,
} from './syntax.ts';
import type { SyntaxNode as Node } from './tree.ts';
import { evalConst, maxStringLength, taintOf } from './values.ts';

/** Calls that fill their buffer argument (index) with external data. */
const FILLS: Record<string, number> = {
  recv: 1,
  recvfrom: 1,
  read: 1,
  fread: 0,
  fgets: 0,
  gets: 0,
  fgetws: 0,
  getline: 0,
};
/** Index of the format argument. */
const FORMATS: Record<string, number> = {
  printf: 0,
  vprintf: 0,
  wprintf: 0,
  fprintf: 1,
  vfprintf: 1,
  fwprintf: 1,
  dprintf: 1,
  sprintf: 1,
  vsprintf: 1,
  swprintf: 2,
  snprintf: 2,
  vsnprintf: 2,
  syslog: 1,
};
const SCANS: Record<string, number> = { scanf: 0, fscanf: 1, sscanf: 1, vscanf: 0, vfscanf: 1, vsscanf: 1 };
const UNBOUNDED_COPIES = new Set(['strcpy', 'wcscpy', 'stpcpy', 'lstrcpy', 'strcat', 'wcscat', 'lstrcat']);
const COMMANDS = new Set([
  'system',
  'popen',
  '_popen',
  'execl',
  'execlp',
  'execle',
  'execv',
  'execvp',
  'execvpe',
  '_wsystem',
]);
const PATHS = new Set([
  'fopen',
  'freopen',
  'open',
  'creat',
  'remove',
  'unlink',
  'rename',
  'opendir',
  '_wfopen',
]);
/** Length-bounded copies: [destination, source (-1 none), length] argument indices. */
const BOUNDED: Record<string, [number, number, number]> = {
  memcpy: [0, 1, 2],
  memmove: [0, 1, 2],
  wmemcpy: [0, 1, 2],
  strncpy: [0, 1, 2],
  wcsncpy: [0, 1, 2],
  strncat: [0, 1, 2],
  memset: [0, -1, 2],
  fgets: [0, -1, 1],
  read: [1, -1, 2],
  recv: [1, -1, 2],
  snprintf: [0, -1, 1],
};
/** Argument indices a call dereferences (NULL there crashes). */
const DEREFS: Record<string, number[]> = {
  strcpy: [0, 1],
  strcat: [0, 1],
  strncpy: [0, 1],
  strncat: [0, 1],
  memcpy: [0, 1],
  memmove: [0, 1],
  memset: [0],
  strlen: [0],
  strcmp: [0, 1],
  strncmp: [0, 1],
  strchr: [0],
  strdup: [0],
  atoi: [0],
  puts: [0],
  fputs: [0, 1],
  fgets: [0, 2],
  fprintf: [0],
  fscanf: [0],
  fclose: [0],
  fread: [0, 3],
  fwrite: [0, 3],
  fseek: [0],
  sprintf: [0],
  snprintf: [0],
  sscanf: [0],
};

export function handleCall(state: FlowState, call: Node, deref: (name: string, at: Node) => void): void {
  const name = calleeName(call);
  const args = callArgs(call);
  checkFreedArguments(state, call);
  if (FREE_CALLS.has(name) && args[0]) {
    deallocate(state, args[0], 'free', call);
    return;
  }
  for (const index of DEREFS[name] ?? []) {
    const arg = args[index];
    const n = arg ? unwrap(arg) : undefined;
    if (n?.type === 'identifier') deref(n.text, call);
  }
  if (name === 'gets') state.hit('gets-call', call, 'gets() has no bound on the line it reads');
  if (name in SCANS) checkScan(state, call, args, SCANS[name]!);
  if (UNBOUNDED_COPIES.has(name)) checkUnboundedCopy(state, call, args, name.includes('cat'));
  if (name === 'sprintf' || name === 'vsprintf') checkSprintf(state, call, args, name === 'vsprintf');
  if (name in BOUNDED) checkBoundedCopy(state, call, args, name);
  if (name in FORMATS) checkFormat(state, call, args[FORMATS[name]!]);
  if (COMMANDS.has(name)) {
    const tainted = args.map((a) => taintOf(a, state)).find(Boolean);
    if (tainted)
      state.hit('command-injection', call, `${name}() runs a command carrying data from ${tainted}`);
  }
  if (PATHS.has(name) && args[0]) {
    const tainted = taintOf(args[0], state);
    if (tainted) state.hit('path-injection', call, `${name}() opens a path carrying data from ${tainted}`);
  }
  applyEffects(state, name, args);
  // a buffer handed to anything but a printer may have been filled there
  if (!(name.startsWith('print') || name.endsWith('printf') || name === 'puts')) {
    for (const arg of args) {
      const base = baseName(arg);
      if (base) state.initializedElements.delete(base);
    }
  }
}

function checkScan(state: FlowState, call: Node, args: Node[], formatIndex: number): void {
  const format = args[formatIndex];
  if (format && isStringLiteral(format) && /%\*?(?:hh|h|ll|l|L)?[s[]/.test(format.text)) {
    state.hit('scanf-unbounded-string', call, '%s/%[ without a width reads any length');
  }
  for (const arg of args.slice(formatIndex + 1)) {
    const base = baseName(arg);
    if (base) {
      state.constants.delete(base);
      state.taint.set(base, `${calleeName(call)}()`);
    }
  }
}

function destinationCapacity(state: FlowState, dst: Node): number | undefined {
  const n = unwrap(dst);
  if (n.type === 'identifier') return state.capacity.get(n.text);
  return undefined;
}

function checkUnboundedCopy(state: FlowState, call: Node, args: Node[], appends: boolean): void {
  const [dst, src] = args;
  if (!dst || !src) return;
  const dstBase = baseName(dst);
  const capacity = destinationCapacity(state, dst);
  const current = appends && dstBase ? (state.stringLength.get(dstBase) ?? 0) : 0;
  const length = maxStringLength(src, state);
  if (capacity !== undefined && length !== undefined) {
    if (current + length + 1 > capacity) {
      state.hit(
        'copy-exceeds-destination',
        call,
        `copies up to ${length} characters into ${dstBase}, which holds ${capacity} bytes`,
      );
    }
  } else if (length === undefined) {
    const srcBase = baseName(src);
    const bounded = srcBase !== undefined && state.hasUpperBound(srcBase);
    const origin = taintOf(src, state);
    // a global or macro (e.g. a string constant) is not a length the caller or the input controls
    const controlled = origin !== undefined || (srcBase !== undefined && state.vars.has(srcBase));
    if (!bounded && controlled) {
      state.hit(
        'unbounded-copy',
        call,
        origin
          ? `copies data from ${origin} without a length check`
          : 'copies a string of unknown length unbounded',
      );
    }
  }
}

function checkSprintf(state: FlowState, call: Node, args: Node[], vararg: boolean): void {
  const [dst, format] = args;
  if (!dst || !format) return;
  if (vararg) {
    state.hit('unbounded-copy', call, 'vsprintf() output has no bound');
    return;
  }
  if (!isStringLiteral(format)) return;
  const conversions = format.text.match(/%[-+ #0]*\d*(?:\.\d+|\.\*)?(?:hh|h|ll|l|L|z|j|t)?[a-zA-Z%]/g) ?? [];
  let total = (literalLength(format) ?? 0) - conversions.join('').length;
  let unknown = false;
  let argIndex = 2;
  for (const conv of conversions) {
    if (conv === '%%') {
      total += 1;
      continue;
    }
    const arg = args[argIndex++];
    if (conv.endsWith('s') && !conv.includes('.')) {
      const len = arg ? maxStringLength(arg, state) : undefined;
      if (len === undefined) unknown = true;
      else total += len;
    } else {
      total += 20;
    }
  }
  const capacity = destinationCapacity(state, dst);
  if (unknown) state.hit('unbounded-copy', call, 'sprintf() %s of a string of unknown length');
  else if (capacity !== undefined && total + 1 > capacity) {
    state.hit('copy-exceeds-destination', call, `sprintf() writes up to ${total + 1} bytes into ${capacity}`);
  }
}

function checkBoundedCopy(state: FlowState, call: Node, args: Node[], name: string): void {
  const [d, s, l] = BOUNDED[name]!;
  const dst = args[d];
  const length = args[l];
  if (!dst || !length) return;
  let bytes = evalConst(length, state);
  if (bytes !== undefined && name === 'fread') bytes = undefined;
  const dstBase = baseName(dst);
  const capacity = destinationCapacity(state, dst);
  if (bytes !== undefined && capacity !== undefined) {
    let written = bytes;
    if (name === 'strncat') {
      // strncat appends at most n characters, fewer when the source is shorter, then a NUL
      const srcLength = args[s] ? maxStringLength(args[s]!, state) : undefined;
      written =
        Math.min(bytes, srcLength ?? bytes) + (dstBase ? (state.stringLength.get(dstBase) ?? 0) : 0) + 1;
    }
    if (written > capacity) {
      state.hit(
        'length-exceeds-buffer',
        call,
        `${name}() of ${bytes} bytes into ${dstBase}, which holds ${capacity}`,
      );
    }
  }
  const src = s >= 0 ? args[s] : undefined;
  if (src && bytes !== undefined && (name === 'memcpy' || name === 'memmove')) {
    const srcCapacity = destinationCapacity(state, src);
    if (srcCapacity !== undefined && bytes > srcCapacity) {
      state.hit(
        'length-exceeds-buffer',
        call,
        `${name}() reads ${bytes} bytes from a ${srcCapacity}-byte buffer`,
      );
    }
  }
  const external = state.unboundedTaint(scalarNames(state, length), (n) => state.isBounded(n));
  if (external) {
    state.hit('unchecked-external-length', call, `${name}() length ${external} comes from input unchecked`);
  } else if (name !== 'fgets' && name !== 'snprintf') {
    const controlled = scalarNames(state, length).find(
      (n) => state.callerControlled.has(n) && !state.isCheckedAtAll(n),
    );
    if (controlled) {
      state.hit(
        'unchecked-caller-length',
        call,
        `${name}() length ${controlled} is never compared with a bound`,
      );
    }
  }
}

/** Scalar variables in an expression: taint on a char buffer is about its contents, not its size. */
export function scalarNames(state: FlowState, node: Node): string[] {
  return identifiersIn(unwrap(node)).filter((n) => {
    const info = state.vars.get(n);
    return info !== undefined && !info.pointer && !info.array;
  });
}

function checkFormat(state: FlowState, call: Node, format: Node | undefined): void {
  if (!format || isStringLiteral(format)) return;
  const tainted = taintOf(format, state);
  if (tainted) {
    state.hit('format-string-external', call, `format string carries data from ${tainted}`);
    return;
  }
  const n = unwrap(format);
  if (n.type === 'identifier' && state.vars.get(n.text)?.isParam && !state.variadic) {
    state.hit('format-string-external', call, `format string is the caller-supplied ${n.text}`);
  }
}

/** What a call does to the state: fills buffers with input, copies taint and known lengths. */
function applyEffects(state: FlowState, name: string, args: Node[]): void {
  const fillIndex = FILLS[name];
  if (fillIndex !== undefined && args[fillIndex]) {
    const base = baseName(args[fillIndex]);
    if (base) {
      state.taint.set(base, `${name}()`);
      state.stringLength.delete(base);
    }
  }
  if (name === 'getline' || name === 'getdelim') return;
  const copies = UNBOUNDED_COPIES.has(name) || name in BOUNDED || name === 'sprintf' || name === 'snprintf';
  if (!copies || !args[0]) return;
  const dstBase = baseName(args[0]);
  if (!dstBase) return;
  const sources = args.slice(1).map((a) => taintOf(a, state));
  const tainted = sources.find(Boolean);
  if (tainted) state.taint.set(dstBase, tainted);
  if (name === 'memset' && args[1] && args[2]) {
    const fill = evalConst(args[1], state);
    const count = evalConst(args[2], state);
    if (fill === 0 || args[1].text === "'\\0'") state.stringLength.set(dstBase, 0);
    else if (count !== undefined) state.stringLength.set(dstBase, count);
    else state.stringLength.delete(dstBase);
  } else if ((name === 'strcpy' || name === 'strcat') && args[1] && unwrap(args[0]).type === 'identifier') {
    const len = maxStringLength(args[1], state);
    const current = name === 'strcat' ? state.stringLength.get(dstBase) : 0;
    if (len !== undefined && current !== undefined) state.stringLength.set(dstBase, current + len);
    else state.stringLength.delete(dstBase);
  } else if (unwrap(args[0]).type === 'identifier' && name !== 'memcpy' && name !== 'memmove') {
    state.stringLength.delete(dstBase);
  }
}
