// Project macros the parser cannot expand, as a user declares them: a macros file (`--macros FILE`, the
// `macros` input) and the `.clang-format` at the repository root. Both use clang-format's keys, so a
// `.clang-format` can serve as the macros file as it is. See docs/extract.md ("Project macros").
import { parseAllDocuments } from 'yaml';

/** What each kind of declared macro stands for (clang-format's meaning of the same key). */
export interface MacroConfig {
  /** `AttributeMacros`: attributes or specifiers (`LIB_EXPORT`, `FMT_CONSTEXPR`); removed, with any arguments. */
  attribute: Set<string>;
  /** `StatementMacros`: complete statements or members without a `;` (`Q_OBJECT`, `DISALLOW_COPY(X)`). */
  statement: Set<string>;
  /** `NamespaceMacros`: `TESTSUITE(name) {` opens a namespace. */
  namespace: Set<string>;
  /** `TypenameMacros`: `STACK_OF(X509)` is a type. */
  typename: Set<string>;
  /** `IfMacros`: `KJ_IF_MAYBE(x, y) {` works like `if`. */
  ifMacros: Set<string>;
  /** `ForEachMacros`: `Q_FOREACH(x, list) {` works like a loop. */
  forEach: Set<string>;
  /** `MacroBlockBegin` / `MacroBlockEnd`: names (regular expressions) of macros that open and close a block. */
  blockBegin?: RegExp;
  blockEnd?: RegExp;
}

/** A macros file or `.clang-format` that cannot be used; the message names the file and the key. */
export class MacrosError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MacrosError';
  }
}

export function emptyMacros(): MacroConfig {
  return {
    attribute: new Set(),
    statement: new Set(),
    namespace: new Set(),
    typename: new Set(),
    ifMacros: new Set(),
    forEach: new Set(),
  };
}

const LIST_KEYS = {
  AttributeMacros: 'attribute',
  StatementMacros: 'statement',
  NamespaceMacros: 'namespace',
  TypenameMacros: 'typename',
  IfMacros: 'ifMacros',
  ForEachMacros: 'forEach',
  // Macros whose arguments must stay as written: for a parser they are statements.
  WhitespaceSensitiveMacros: 'statement',
} as const satisfies Record<string, keyof MacroConfig>;

const REGEX_KEYS = { MacroBlockBegin: 'blockBegin', MacroBlockEnd: 'blockEnd' } as const;

const IDENTIFIER = /^[A-Za-z_]\w*$/;

/** Languages of a `.clang-format` document that apply to C and C++ (no `Language:` applies to all). */
const C_FAMILY = new Set(['Cpp', 'C', 'ObjC']);

/**
 * Reads macro declarations from YAML text with clang-format's keys. Several documents (`---`) are
 * allowed; those for another `Language` are ignored, as clang-format ignores them for C++.
 * `source` names the file in errors. Unknown keys are ignored (a `.clang-format` is mostly other keys).
 */
export function parseMacros(text: string, source: string, into: MacroConfig = emptyMacros()): MacroConfig {
  const documents = parseAllDocuments(text);
  if (!Array.isArray(documents)) return into; // an empty file
  for (const doc of documents) {
    const error = doc.errors[0];
    if (error) throw new MacrosError(`${source}: not valid YAML (${error.message.split('\n')[0]})`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new MacrosError(`${source}: expected a mapping of clang-format keys such as AttributeMacros`);
    const map = value as Record<string, unknown>;
    if (map.Language !== undefined && !C_FAMILY.has(String(map.Language))) continue;
    for (const [key, field] of Object.entries(LIST_KEYS)) {
      const raw = map[key];
      if (raw === undefined || raw === null) continue;
      const names = Array.isArray(raw) ? raw : [raw];
      for (const name of names) {
        if (typeof name !== 'string' || !IDENTIFIER.test(name.trim()))
          throw new MacrosError(
            `${source}: ${key} holds "${String(name)}"; expected macro names (identifiers)`,
          );
        into[field].add(name.trim());
      }
    }
    for (const [key, field] of Object.entries(REGEX_KEYS)) {
      const raw = map[key];
      if (raw === undefined || raw === null || raw === '') continue;
      if (typeof raw !== 'string') throw new MacrosError(`${source}: ${key} must be a regular expression`);
      try {
        const regex = new RegExp(raw);
        into[field] = into[field] ? new RegExp(`(?:${into[field].source})|(?:${raw})`) : regex;
      } catch (error) {
        throw new MacrosError(
          `${source}: ${key} "${raw}" is not a valid regular expression (${(error as Error).message})`,
        );
      }
    }
  }
  return into;
}

/** Both sets of declarations, the user's and the repository's `.clang-format`, in one. */
export function mergeMacros(a: MacroConfig, b: MacroConfig): MacroConfig {
  const out = emptyMacros();
  for (const field of Object.values(LIST_KEYS))
    for (const m of [a, b]) for (const n of m[field]) out[field].add(n);
  for (const field of Object.values(REGEX_KEYS)) {
    const parts = [a[field], b[field]].filter((r): r is RegExp => r !== undefined);
    if (parts.length === 1) out[field] = parts[0];
    if (parts.length === 2) out[field] = new RegExp(parts.map((r) => `(?:${r.source})`).join('|'));
  }
  return out;
}

// Defaults: well-known statement macros that stand as members or statements without a `;`, and the
// shapes of attribute-like macro names across large C++ projects (export/visibility, inlining,
// constexpr/noexcept stand-ins, warnings, thread-safety annotations). They apply only where a macro is
// already out of place for C++ (see macro-pass.ts), so a constant that happens to match is left alone.
export const DEFAULT_STATEMENTS = new Set([
  'Q_OBJECT',
  'Q_GADGET',
  'Q_NAMESPACE',
  'Q_NAMESPACE_EXPORT',
  'Q_OBJECT_FAKE',
  'Q_ENUM',
  'Q_ENUMS',
  'Q_ENUM_NS',
  'Q_FLAG',
  'Q_FLAGS',
  'Q_FLAG_NS',
  'Q_PROPERTY',
  'Q_PRIVATE_PROPERTY',
  'Q_CLASSINFO',
  'Q_INTERFACES',
  'Q_PLUGIN_METADATA',
  'Q_DISABLE_COPY',
  'Q_DISABLE_COPY_MOVE',
  'Q_DISABLE_MOVE',
  'Q_DECLARE_PRIVATE',
  'Q_DECLARE_PRIVATE_D',
  'Q_DECLARE_PUBLIC',
  'Q_PRIVATE_SLOT',
  'Q_DECLARE_TR_FUNCTIONS',
  'DISALLOW_COPY_AND_ASSIGN',
  'DISALLOW_IMPLICIT_CONSTRUCTORS',
  'DISALLOW_EVIL_CONSTRUCTORS',
  'GTEST_DISALLOW_COPY_AND_ASSIGN_',
  'GTEST_DISALLOW_ASSIGN_',
]);

export const DEFAULT_ATTRIBUTE_NAME = new RegExp(
  '^(?:Q_DECL_\\w+|Q_INVOKABLE|Q_SCRIPTABLE|Q_SIGNAL|Q_SLOT|Q_REVISION|Q_REQUIRED_RESULT|Q_ALWAYS_INLINE|' +
    'Q_NEVER_INLINE|Q_NORETURN|Q_OUTOFLINE_TEMPLATE|Q_INLINE_TEMPLATE|Q_\\w+_EXPORT|JSON_HEDLEY_(?!LIKELY|UNLIKELY|UNPREDICTABLE|PREDICT|CONCAT|STRINGIFY|STATIC_CAST|CONST_CAST|REINTERPRET_CAST|CPP_CAST)\\w+|' +
    '[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_(?:' +
    [
      'EXPORTS?',
      'IMPORT',
      'API',
      'DECL(?:SPEC)?',
      'DLL',
      'EXTERN(?:_C)?',
      'VISIBLE',
      'VISIBILITY\\w*',
      'HIDDEN',
      '(?:FORCE_?|ALWAYS_|NO_?|NEVER_)?INLINE',
      '(?:CXX\\d+_|RELAXED_|CONSTEXPR_|STATIC_)?CONSTEXPR\\d*',
      'CONSTEVAL',
      'CONST_?INIT',
      'NOEXCEPT\\w*',
      'NOTHROW',
      'NODISCARD',
      'NO_?RETURN',
      'DEPRECATED?\\w*',
      'WARN_UNUSED(?:_RESULT)?',
      'MUST_USE\\w*',
      'REQUIRED_RESULT',
      '(?:MAYBE_)?UNUSED',
      'PURE',
      'COLD',
      'HOT',
      'FLATTEN',
      'OVERRIDE',
      'FINAL',
      '(?:RETURNS_)?NON_?NULL',
      'LIFETIME_BOUND',
      'RESTRICT',
      '(?:PT_)?GUARDED_BY',
      '(?:EXCLUSIVE_|SHARED_)?LOCKS_REQUIRED',
      'LOCKS_EXCLUDED',
      'REQUIRES(?:_SHARED)?',
      'EXCLUDES',
      '(?:EXCLUSIVE_|SHARED_)?(?:UN|TRY)?(?:LOCK|TRYLOCK)_FUNCTION',
      '(?:SCOPED_)?LOCKABLE',
      'ASSERT_\\w*LOCK(?:_HELD)?',
      'ACQUIRE\\w*',
      'RELEASE\\w*',
      'NO_THREAD_SAFETY_ANALYSIS',
      'NO_SANITIZE\\w*',
      'NO_UNIQUE_ADDRESS',
      'EMPTY_BASES',
      'TRIVIAL_ABI',
      'ATTRIBUTE\\w*',
      'ATTR',
      'PRINTF_FORMAT',
      'FORMAT_PRINTF',
    ].join('|') +
    ')|[A-Z][A-Z0-9]*_(?:ATTRIBUTE|ATTR)_\\w+)$',
);

/**
 * Annotations that follow the name they annotate (`T* p ABSL_GUARDED_BY(mu);`, `void f() LOCKS_EXCLUDED(mu)`):
 * after a name they are still attributes, where another attribute-shaped call could be the name itself.
 */
export const TRAILING_ATTRIBUTE_NAME =
  /^[A-Z][A-Z0-9_]*_(?:(?:PT_)?GUARDED_BY|(?:EXCLUSIVE_|SHARED_)?LOCKS_REQUIRED|LOCKS_EXCLUDED|REQUIRES(?:_SHARED)?|EXCLUDES|ACQUIRED_(?:BEFORE|AFTER)|(?:EXCLUSIVE_|SHARED_)?(?:UN|TRY)?(?:LOCK|TRYLOCK)_FUNCTION|DEPRECATED\w*|ENUMERATOR_DEPRECATED\w*|LIFETIME_BOUND)$/;
