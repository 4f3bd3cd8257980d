// Direct calls into web-tree-sitter's exported cursor functions, for walks that visit every node of a
// subtree (the syntax copy).
//
// Each TreeCursor method of web-tree-sitter writes the cursor's four words into the module's transfer
// buffer one `setValue` at a time, calls the exported C function, and reads the four words back with
// `getValue`: in a profile of a whole scan that marshalling cost more than the cursor moves themselves.
// The C side (lib/tree-sitter.c in the package: `unmarshal_cursor`/`marshal_cursor`) reads the cursor
// from the transfer buffer on every call, the moves write the moved cursor back there, and the getters
// used here (type id, field id, start and end index) leave it untouched. So a walk that only moves and
// reads can write the cursor once, call the exports directly, and read it back once when it is done.
//
// The exports are reached through the Emscripten module, which is the options object handed to
// `Parser.init` (Emscripten's `var Module = moduleArg`): languages.ts keeps it. When that object does
// not carry them (another caller initialised the runtime first, a web-tree-sitter that changed them),
// `rawCursorApi()` is undefined and callers use the public TreeCursor; tests check both walks agree.
import type { Tree, TreeCursor } from 'web-tree-sitter';

/** The exports and heap views this file uses, as web-tree-sitter 0.25's module carries them. */
interface TreeSitterModule {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
}

const EXPORTS = [
  '_ts_init',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
] as const;

/** A cursor whose state lives in the transfer buffer between `open` and `close`. */
export interface RawCursor {
  /** The current node's type id (aliases applied, ERROR is 0xffff), as `TreeCursor.nodeTypeId`. */
  typeId(): number;
  /** The current node's field id (0 for none), as `TreeCursor.currentFieldId`. */
  fieldId(): number;
  /** UTF-16 offsets, as `TreeCursor.startIndex`/`endIndex`. */
  startIndex(): number;
  endIndex(): number;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

export interface RawCursorApi {
  /**
   * Moves `cursor`'s state into the transfer buffer and returns the raw view of it. Nothing else may
   * call into tree-sitter until `close`: the transfer buffer is shared by every call.
   */
  open(cursor: TreeCursor): RawCursor;
  /** Writes the state back into `cursor` (its node stack may have moved), so it can be used or deleted. */
  close(cursor: TreeCursor): void;
}

/** The cursor's four words, as web-tree-sitter keeps them on the object (indices 0–3). */
type CursorWords = { [index: number]: number; tree: Tree };

let api: RawCursorApi | undefined;

/** Called by languages.ts with the object it passed to `Parser.init`, once that resolved. */
export function useTreeSitterModule(candidate: unknown): void {
  const module = candidate as Partial<TreeSitterModule> | undefined;
  if (!module || !(module.HEAP32 instanceof Int32Array)) return;
  if (!EXPORTS.every((name) => typeof module[name] === 'function')) return;
  api = makeApi(module as TreeSitterModule);
}

/** The direct calls, or undefined when the module could not be reached (then use TreeCursor). */
export function rawCursorApi(): RawCursorApi | undefined {
  return api;
}

/** For tests: forget the module, so callers take the public TreeCursor path. Returns a restorer. */
export function withoutRawCursor(): () => void {
  const kept = api;
  api = undefined;
  return () => {
    api = kept;
  };
}

function makeApi(m: TreeSitterModule): RawCursorApi {
  // `_ts_init` only writes the language versions into the buffer and returns its address.
  const buffer = m._ts_init() >> 2;
  // The exports taken once: the module object holds hundreds of properties, and a lookup per call
  // would cost about as much as the call.
  const typeId = m._ts_tree_cursor_current_node_type_id_wasm;
  const fieldId = m._ts_tree_cursor_current_field_id_wasm;
  const startIndex = m._ts_tree_cursor_start_index_wasm;
  const endIndex = m._ts_tree_cursor_end_index_wasm;
  const firstChild = m._ts_tree_cursor_goto_first_child_wasm;
  const nextSibling = m._ts_tree_cursor_goto_next_sibling_wasm;
  const parent = m._ts_tree_cursor_goto_parent_wasm;
  let tree = 0;
  const cursor: RawCursor = {
    typeId: () => typeId(tree),
    fieldId: () => fieldId(tree),
    startIndex: () => startIndex(tree),
    endIndex: () => endIndex(tree),
    gotoFirstChild: () => firstChild(tree) === 1,
    gotoNextSibling: () => nextSibling(tree) === 1,
    gotoParent: () => parent(tree) === 1,
  };
  return {
    open(from) {
      const words = from as unknown as CursorWords;
      tree = (words.tree as unknown as CursorWords)[0]!;
      // The heap view is replaced when wasm memory grows: read it at each use.
      const heap = m.HEAP32;
      heap[buffer] = words[0]!;
      heap[buffer + 1] = words[1]!;
      heap[buffer + 2] = words[2]!;
      heap[buffer + 3] = words[3]!;
      return cursor;
    },
    close(to) {
      const words = to as unknown as CursorWords;
      const heap = m.HEAP32;
      words[0] = heap[buffer]!;
      words[1] = heap[buffer + 1]!;
      words[2] = heap[buffer + 2]!;
      words[3] = heap[buffer + 3]!;
    },
  };
}
