// A generated C/C++ code base of any size for the large-change bench (bench/scale.bench.ts): files that
// read like a real project's modules — includes, types, static helpers, parsers, buffers, lists, state
// machines, error paths with goto, callbacks, `#ifdef` inside bodies, C++ classes and namespaces — so
// extraction, the moved-function check and the rules see the shapes they meet in curl, nginx or redis.
// Seeded: the same size and seed give the same bytes on every machine. About one function in 30 is a
// helper copied verbatim into several files, as static helpers are in real trees.
import { seededRandom } from '../src/eval/prng.ts';

export interface CorpusFile {
  path: string;
  text: string;
}

type Rng = () => number;

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
const int = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));

const NOUNS = [
  'conn',
  'buf',
  'hdr',
  'req',
  'resp',
  'sess',
  'node',
  'entry',
  'key',
  'val',
  'frame',
  'chunk',
  'token',
  'path',
  'cfg',
  'peer',
  'slot',
  'page',
  'blob',
  'item',
];
const VERBS = [
  'parse',
  'read',
  'write',
  'init',
  'free',
  'find',
  'push',
  'pop',
  'copy',
  'append',
  'encode',
  'decode',
  'check',
  'reset',
  'flush',
  'grow',
  'lookup',
  'insert',
  'remove',
  'dump',
];
const DIRS = ['src', 'lib', 'src/core', 'src/http', 'src/event', 'lib/util', 'src/proto', 'modules/cache'];

interface Ctx {
  rng: Rng;
  mod: string;
  /** Function names used in this file so far, so no two definitions share a name. */
  used: Set<string>;
}

function fname(ctx: Ctx, verb = pick(ctx.rng, VERBS), noun = pick(ctx.rng, NOUNS)): string {
  let name = `${ctx.mod}_${verb}_${noun}`;
  for (let i = 2; ctx.used.has(name); i++) name = `${ctx.mod}_${verb}_${noun}${i}`;
  ctx.used.add(name);
  return name;
}

function comment(ctx: Ctx, what: string): string {
  const r = ctx.rng();
  if (r < 0.35) return `/* ${what}. */\n`;
  if (r < 0.55) return `/*\n * ${what}.\n * Returns 0 on success, a negative error code otherwise.\n */\n`;
  return '';
}

// Each shape returns one function definition (with its leading comment) in K&R/Linux style, four-space
// indented; the re-indent variant of the bench rewrites the indentation.
const C_SHAPES: ((ctx: Ctx) => string)[] = [
  // Accessor on a struct pointer.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['get', 'set', 'peek']), pick(ctx.rng, NOUNS));
    const field = pick(ctx.rng, ['len', 'flags', 'cap', 'refs', 'state', 'fd']);
    return `${comment(ctx, `Field ${field} of a ${ctx.mod} object`)}static inline size_t ${f}(const struct ${ctx.mod} *p)\n{\n    if (p == NULL)\n        return 0;\n    return p->${field};\n}\n`;
  },
  // Bounded copy into a fixed buffer (sometimes without the bound: the rules should fire).
  (ctx) => {
    const f = fname(ctx, 'copy');
    const n = pick(ctx.rng, [16, 32, 64, 128, 256]);
    const safe = ctx.rng() < 0.7;
    const body = safe
      ? `    if (len >= sizeof(tmp))\n        return -1;\n    memcpy(tmp, src, len);\n    tmp[len] = '\\0';`
      : `    strcpy(tmp, src);`;
    return `${comment(ctx, 'Copies the name into the object')}int ${f}(struct ${ctx.mod} *dst, const char *src, size_t len)\n{\n    char tmp[${n}];\n\n${body}\n    return ${ctx.mod}_store(dst, tmp);\n}\n`;
  },
  // Character-by-character parser.
  (ctx) => {
    const f = fname(ctx, 'parse');
    const sep = pick(ctx.rng, [',', ';', ':', '=', '&']);
    return `${comment(ctx, `Splits the input at '${sep}'`)}static int ${f}(const char *s, const char *end, struct ${ctx.mod}_field *out, int max)\n{\n    int n = 0;\n    const char *start = s;\n\n    while (s < end && n < max) {\n        if (*s == '${sep}' || *s == ' ') {\n            out[n].ptr = start;\n            out[n].len = (size_t)(s - start);\n            n++;\n            start = s + 1;\n        } else if (*s == '\\\\' && s + 1 < end) {\n            s++;\n        }\n        s++;\n    }\n    if (start < end && n < max) {\n        out[n].ptr = start;\n        out[n].len = (size_t)(end - start);\n        n++;\n    }\n    return n;\n}\n`;
  },
  // Allocation with error path through goto.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['new', 'create', 'open']));
    const checked = ctx.rng() < 0.8;
    const check = checked ? `    if (obj == NULL)\n        return NULL;\n` : '';
    return `${comment(ctx, `Allocates a ${ctx.mod}`)}struct ${ctx.mod} *${f}(const char *name, size_t cap)\n{\n    struct ${ctx.mod} *obj = malloc(sizeof(*obj));\n${check}    memset(obj, 0, sizeof(*obj));\n    obj->data = malloc(cap);\n    if (obj->data == NULL)\n        goto fail;\n    obj->name = strdup(name);\n    if (obj->name == NULL)\n        goto fail;\n    obj->cap = cap;\n    return obj;\n\nfail:\n    free(obj->data);\n    free(obj);\n    return NULL;\n}\n`;
  },
  // Linked-list walk.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['find', 'lookup']));
    return `${comment(ctx, 'Finds the entry with this key')}struct ${ctx.mod}_entry *${f}(struct ${ctx.mod}_list *list, const char *key)\n{\n    struct ${ctx.mod}_entry *e;\n\n    for (e = list->head; e != NULL; e = e->next) {\n        if (strcmp(e->key, key) == 0)\n            return e;\n    }\n    return NULL;\n}\n`;
  },
  // State machine over an enum.
  (ctx) => {
    const f = fname(ctx, 'step');
    const states = int(ctx.rng, 3, 7);
    const cases = Array.from(
      { length: states },
      (_, i) =>
        `    case ${ctx.mod.toUpperCase()}_S${i}:\n        if (c == '${String.fromCharCode(97 + i)}')\n            st->state = ${ctx.mod.toUpperCase()}_S${(i + 1) % states};\n        else\n            st->errors++;\n        break;\n`,
    ).join('');
    return `${comment(ctx, 'Advances the state machine by one byte')}static void ${f}(struct ${ctx.mod}_state *st, int c)\n{\n    switch (st->state) {\n${cases}    default:\n        st->state = ${ctx.mod.toUpperCase()}_S0;\n        break;\n    }\n}\n`;
  },
  // Growable buffer append.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['append', 'push']));
    return `${comment(ctx, 'Appends bytes, growing the buffer')}int ${f}(struct ${ctx.mod}_buf *b, const void *data, size_t n)\n{\n    if (b->len + n > b->cap) {\n        size_t cap = b->cap ? b->cap * 2 : ${pick(ctx.rng, [64, 256, 1024])};\n        char *p;\n\n        while (cap < b->len + n)\n            cap *= 2;\n        p = realloc(b->data, cap);\n        if (p == NULL)\n            return -ENOMEM;\n        b->data = p;\n        b->cap = cap;\n    }\n    memcpy(b->data + b->len, data, n);\n    b->len += n;\n    return 0;\n}\n`;
  },
  // Formatting into a caller's buffer.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['format', 'dump', 'print']));
    const safe = ctx.rng() < 0.85;
    const call = safe
      ? `snprintf(out, outlen, "%s:%d", p->host, p->port)`
      : `sprintf(out, "%s:%d", p->host, p->port)`;
    return `${comment(ctx, 'Writes host:port')}int ${f}(const struct ${ctx.mod}_peer *p, char *out, size_t outlen)\n{\n    int n;\n\n    if (p->host == NULL)\n        return -EINVAL;\n    n = ${call};\n    if (n < 0 || (size_t)n >= outlen)\n        return -ENOSPC;\n    return n;\n}\n`;
  },
  // Callback dispatch through a table.
  (ctx) => {
    const f = fname(ctx, 'dispatch');
    return `${comment(ctx, 'Calls every registered handler until one claims the event')}int ${f}(struct ${ctx.mod}_ctx *ctx, const struct ${ctx.mod}_event *ev)\n{\n    size_t i;\n\n    for (i = 0; i < ctx->nhandlers; i++) {\n        ${ctx.mod}_handler_fn fn = ctx->handlers[i].fn;\n        int rc = fn(ctx->handlers[i].arg, ev);\n\n        if (rc != ${ctx.mod.toUpperCase()}_DECLINED)\n            return rc;\n    }\n    return ${ctx.mod.toUpperCase()}_DECLINED;\n}\n`;
  },
  // Platform-conditional body.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['now', 'sleep', 'sync']));
    return `${comment(ctx, 'Monotonic time in milliseconds')}uint64_t ${f}(void)\n{\n#ifdef _WIN32\n    return (uint64_t)GetTickCount64();\n#else\n    struct timespec ts;\n\n    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)\n        return 0;\n    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;\n#endif\n}\n`;
  },
  // Checksum loop with bit twiddling.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['hash', 'crc', 'sum']));
    const mul = pick(ctx.rng, ['16777619u', '31u', '0x5bd1e995u']);
    return `${comment(ctx, 'Hashes the key')}static uint32_t ${f}(const unsigned char *p, size_t n, uint32_t seed)\n{\n    uint32_t h = seed ^ (uint32_t)n;\n\n    while (n >= 4) {\n        uint32_t k = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;\n\n        k *= ${mul};\n        h = (h << 13 | h >> 19) ^ k;\n        p += 4;\n        n -= 4;\n    }\n    while (n--)\n        h = h * ${mul} + *p++;\n    return h;\n}\n`;
  },
  // Array indexed by an argument.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['slot', 'get']), 'slot');
    const checked = ctx.rng() < 0.8;
    const guard = checked
      ? `    if (i < 0 || i >= ${ctx.mod.toUpperCase()}_MAX)\n        return NULL;\n`
      : '';
    return `${comment(ctx, 'The slot at index i')}struct ${ctx.mod}_slot *${f}(struct ${ctx.mod}_table *t, int i)\n{\n${guard}    return &t->slots[i];\n}\n`;
  },
  // Teardown.
  (ctx) => {
    const f = fname(ctx, pick(ctx.rng, ['free', 'destroy', 'release']));
    return `${comment(ctx, 'Releases the object and everything it owns')}void ${f}(struct ${ctx.mod} *obj)\n{\n    struct ${ctx.mod}_entry *e, *next;\n\n    if (obj == NULL)\n        return;\n    for (e = obj->entries; e != NULL; e = next) {\n        next = e->next;\n        free(e->key);\n        free(e);\n    }\n    free(obj->name);\n    free(obj->data);\n    free(obj);\n}\n`;
  },
  // Read loop over a file descriptor.
  (ctx) => {
    const f = fname(ctx, 'read');
    return `${comment(ctx, 'Reads until the buffer is full or the peer closes')}ssize_t ${f}(int fd, void *buf, size_t len)\n{\n    size_t got = 0;\n\n    while (got < len) {\n        ssize_t n = read(fd, (char *)buf + got, len - got);\n\n        if (n < 0) {\n            if (errno == EINTR)\n                continue;\n            return -1;\n        }\n        if (n == 0)\n            break;\n        got += (size_t)n;\n    }\n    return (ssize_t)got;\n}\n`;
  },
];

const CPP_SHAPES: ((ctx: Ctx, cls: string) => string)[] = [
  (ctx, cls) => {
    const m = fname(ctx, 'size').replace(`${ctx.mod}_`, '');
    return `std::size_t ${cls}::${m}() const\n{\n    std::lock_guard<std::mutex> lock(mutex_);\n    return items_.size();\n}\n`;
  },
  (ctx, cls) => {
    const m = fname(ctx, 'add').replace(`${ctx.mod}_`, '');
    return `bool ${cls}::${m}(const std::string &key, std::vector<std::uint8_t> value)\n{\n    if (key.empty())\n        return false;\n    auto [it, inserted] = items_.try_emplace(key, std::move(value));\n    if (!inserted)\n        it->second = std::move(value);\n    return inserted;\n}\n`;
  },
  (ctx, cls) => {
    const m = fname(ctx, 'visit').replace(`${ctx.mod}_`, '');
    return `template <typename Fn>\nvoid ${cls}::${m}(Fn &&fn) const\n{\n    for (const auto &[key, value] : items_) {\n        if (!fn(key, value))\n            break;\n    }\n}\n`;
  },
  (ctx, cls) => {
    const m = fname(ctx, 'parse').replace(`${ctx.mod}_`, '');
    return `std::optional<int> ${cls}::${m}(std::string_view text)\n{\n    int value = 0;\n    for (char c : text) {\n        if (c < '0' || c > '9')\n            return std::nullopt;\n        value = value * 10 + (c - '0');\n    }\n    return value;\n}\n`;
  },
];

/** Helpers that real trees copy into many files verbatim (same-run deduplication sees these). */
const SHARED_HELPERS = [
  'static int min_int(int a, int b)\n{\n    return a < b ? a : b;\n}\n',
  'static size_t align_up(size_t n, size_t a)\n{\n    return (n + a - 1) & ~(a - 1);\n}\n',
  "static int is_space(int c)\n{\n    return c == ' ' || c == '\\t' || c == '\\n' || c == '\\r';\n}\n",
];

function cFile(ctx: Ctx, functions: number): string {
  const parts: string[] = [
    `/*\n * ${ctx.mod}.c — generated for the vulnreview scale bench.\n */\n\n#include <errno.h>\n#include <stdint.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include "${ctx.mod}.h"\n\n#define ${ctx.mod.toUpperCase()}_MAX ${int(ctx.rng, 8, 512)}\n\nstatic int ${ctx.mod}_debug;\n`,
  ];
  let helperAdded = false;
  for (let i = 0; i < functions; i++) {
    if (!helperAdded && ctx.rng() < 0.1) {
      helperAdded = true;
      parts.push(pick(ctx.rng, SHARED_HELPERS));
      continue;
    }
    parts.push(pick(ctx.rng, C_SHAPES)(ctx));
  }
  return parts.join('\n');
}

function cppFile(ctx: Ctx, functions: number): string {
  const cls = `${ctx.mod[0]!.toUpperCase()}${ctx.mod.slice(1)}Store`;
  const parts: string[] = [
    `// ${ctx.mod}.cpp — generated for the vulnreview scale bench.\n#include "${ctx.mod}.hpp"\n\n#include <mutex>\n#include <optional>\n#include <string>\n\nnamespace ${ctx.mod} {\n`,
  ];
  for (let i = 0; i < functions; i++) parts.push(pick(ctx.rng, CPP_SHAPES)(ctx, cls));
  parts.push(`} // namespace ${ctx.mod}\n`);
  return parts.join('\n');
}

/**
 * About `functions` function definitions in files of 12–40 functions; roughly one file in eight is C++.
 * The count is exact: the last file takes what is left.
 */
export function generateCorpus(functions: number, seed = 1): CorpusFile[] {
  const rng = seededRandom(seed);
  const files: CorpusFile[] = [];
  let left = functions;
  for (let index = 0; left > 0; index++) {
    const n = Math.min(left, int(rng, 12, 40));
    left -= n;
    const mod = `${pick(rng, NOUNS)}${pick(rng, ['', 'x', 'io', 'set', 'map'])}${index}`;
    const ctx: Ctx = { rng, mod, used: new Set() };
    const cpp = rng() < 0.125;
    const dir = pick(rng, DIRS);
    files.push({
      path: `${dir}/${mod}.${cpp ? 'cpp' : 'c'}`,
      text: cpp ? cppFile(ctx, n) : cFile(ctx, n),
    });
  }
  return files;
}

/**
 * The same file re-indented (four spaces → a tab per level, as a project switching to kernel style would):
 * every indented line changes, no token does.
 */
export function reindent(text: string): string {
  return text.replace(/^((?: {4})+)/gm, (lead: string) => '\t'.repeat(lead.length / 4));
}
