import type { VdiscClass } from '../../types.ts';

/** One check of the rules backend, as the SARIF/report layer and docs/rules.md describe it. */
export interface RuleInfo {
  /** Stable id, recorded in `Verdict.rawAnswer` when the rule fires. */
  id: string;
  /** Bumped whenever the rule's logic changes, so cached verdicts of the old logic are not reused. */
  version: number;
  cwe: VdiscClass;
  /** P(vulnerable) reported when this is the strongest rule that fired. */
  confidence: number;
  title: string;
  description: string;
  /** What to do about a hit. */
  help: string;
}

/** Reported when no rule fires: the rules see only classic local patterns, so "nothing fired" is weak evidence. */
export const NO_HIT_CONFIDENCE = 0.05;

export const RULES: readonly RuleInfo[] = [
  {
    id: 'gets-call',
    version: 1,
    cwe: 'CWE-120',
    confidence: 0.95,
    title: 'gets() reads an unbounded line',
    description: 'gets() cannot know the size of its buffer; any long input line overflows it.',
    help: 'Use fgets(buf, sizeof buf, stdin) and handle the newline.',
  },
  {
    id: 'scanf-unbounded-string',
    version: 1,
    cwe: 'CWE-120',
    confidence: 0.85,
    title: 'scanf-family %s or %[ without a width',
    description: 'A %s or %[ conversion without a field width writes as many characters as the input holds.',
    help: 'Give every %s/%[ a width one less than the buffer size, e.g. %99s for char buf[100].',
  },
  {
    id: 'copy-exceeds-destination',
    version: 1,
    cwe: 'CWE-120',
    confidence: 0.9,
    title: 'String copy larger than its destination',
    description:
      'strcpy/strcat/sprintf-family copy whose source is known (string literal, buffer of known size or known contents) to be longer than the destination buffer declared or allocated in the same function.',
    help: 'Size the destination for the source plus the terminating NUL, or use a bounded copy with sizeof(dest).',
  },
  {
    id: 'unbounded-copy',
    version: 1,
    cwe: 'CWE-120',
    confidence: 0.6,
    title: 'Unbounded string copy of data of unknown length',
    description:
      'strcpy/strcat/sprintf/vsprintf copy from a source whose length the function does not bound (external input or a value of unknown size) into a destination that is not provably large enough.',
    help: 'Check the source length against the destination size first, or use snprintf/strlcpy with sizeof(dest).',
  },
  {
    id: 'length-exceeds-buffer',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.9,
    title: 'Copy length larger than a buffer',
    description:
      'memcpy/memmove/strncpy/strncat/memset/fgets/read-family length that evaluates to more bytes than the destination (or, for memcpy/memmove, the source) buffer has, where both are known in the function.',
    help: 'Derive the length from the destination: sizeof(dest) or the size it was allocated with.',
  },
  {
    id: 'unchecked-external-length',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.75,
    title: 'Length from external input used without a bounds check',
    description:
      'A length that comes from input (recv/fread/fgets/scanf, atoi of input, getenv, rand) reaches memcpy/memmove/strncpy/memset without being compared against an upper bound (and a lower bound when it is signed).',
    help: 'Reject lengths below 0 or above the destination size before copying.',
  },
  {
    id: 'index-out-of-bounds',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.85,
    title: 'Array index past the declared size',
    description:
      'A constant index, or a loop index whose bound (`<` N or `<=` N) exceeds the size the array was declared or allocated with in this function.',
    help: 'Loop with `i < N` over an array of N elements; keep constant indices below the size.',
  },
  {
    id: 'unchecked-external-index',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.75,
    title: 'Array index from external input without a bounds check',
    description:
      'An index derived from input (or rand) is used without being compared against an upper bound and, when signed, a lower bound.',
    help: 'Check 0 <= index < size before indexing.',
  },
  {
    id: 'unchecked-caller-index',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.35,
    title: 'Array index from the caller never compared with a bound',
    description:
      'An index that is an integer parameter, a field of a parameter (hdr->len) or arithmetic on them is used without any comparison in this function. Weaker than input-derived: the caller may have checked it.',
    help: 'Check the index against the size of what it indexes, here or document that the caller must.',
  },
  {
    id: 'unchecked-caller-length',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.4,
    title: 'Copy length from the caller never compared with a bound',
    description:
      'memcpy/memmove/memset/strncpy length that is an integer parameter or a field of a parameter, used without any comparison in this function.',
    help: 'Compare the length with the destination size before copying.',
  },
  {
    id: 'pointer-before-buffer',
    version: 1,
    cwe: 'CWE-119',
    confidence: 0.8,
    title: 'Pointer set before the start of a buffer',
    description:
      'A pointer is computed as buffer - constant; reads or writes through it fall before the buffer.',
    help: 'Point at the buffer itself or inside it.',
  },
  {
    id: 'pointer-subtraction-size',
    version: 1,
    cwe: 'CWE-469',
    confidence: 0.6,
    title: 'Subtraction of pointers into different objects',
    description:
      'Two pointers that derive from different buffers are subtracted; the difference is meaningless as a size or index.',
    help: 'Subtract only pointers into the same array, e.g. strchr(s, c) - s.',
  },
  {
    id: 'null-dereference',
    version: 1,
    cwe: 'CWE-476',
    confidence: 0.85,
    title: 'Dereference of a pointer set to NULL',
    description:
      'A pointer is assigned NULL and dereferenced afterwards with no assignment or check between.',
    help: 'Assign a valid object before use, or check for NULL.',
  },
  {
    id: 'unchecked-null-result',
    version: 1,
    cwe: 'CWE-476',
    confidence: 0.65,
    title: 'Possibly-NULL result used without a check',
    description:
      'The result of malloc/calloc/realloc/strdup/fopen/getenv/strchr/strstr (or a lookup function that can fail) is dereferenced or passed to a function that dereferences it without a NULL check.',
    help: 'Check the result against NULL and handle the failure before using it.',
  },
  {
    id: 'unchecked-lookup-result',
    version: 1,
    cwe: 'CWE-476',
    confidence: 0.3,
    title: 'Result of a lookup or allocation helper used without a NULL check',
    description:
      'A pointer from a project function whose name says it may find nothing or fail (find/lookup/search/get/alloc/new/create/dup/open/next/parse) is dereferenced without a NULL check. A naming heuristic, hence the low confidence.',
    help: 'Check the result against NULL, or document and assert that the function cannot fail here.',
  },
  {
    id: 'format-string-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.8,
    title: 'Format string from external input',
    description:
      'A printf-family format argument is not a literal and carries input (or is a plain parameter of a non-variadic function).',
    help: 'Print untrusted text with a literal format: printf("%s", s).',
  },
  {
    id: 'command-injection',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.75,
    title: 'Command built from external input',
    description: 'system/popen/exec* receives a string that carries input (CWE-78).',
    help: 'Avoid the shell; pass a fixed program and validated arguments to execv.',
  },
  {
    id: 'path-injection',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.55,
    title: 'File path from external input',
    description: 'fopen/open/creat/remove/ifstream::open receives a path that carries input (CWE-22/23/36).',
    help: 'Resolve the path and check it stays inside the intended directory.',
  },
  {
    id: 'use-after-free',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.8,
    title: 'Use after free',
    description:
      'A pointer is dereferenced or passed on after free()/delete with no reassignment between (CWE-416).',
    help: 'Set the pointer to NULL after freeing it and do not use it again.',
  },
  {
    id: 'double-free',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.85,
    title: 'Double free',
    description: 'The same pointer is freed twice on one path with no reassignment between (CWE-415).',
    help: 'Free once; set the pointer to NULL after freeing.',
  },
  {
    id: 'mismatched-deallocation',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.85,
    title: 'Deallocation does not match allocation',
    description:
      'Memory from new is freed with free(), malloc memory with delete, new[] with delete or the reverse (CWE-762).',
    help: 'Pair malloc/free, new/delete and new[]/delete[].',
  },
  {
    id: 'free-non-heap',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.85,
    title: 'Free of memory not on the heap',
    description:
      'free()/delete is called on a stack array, alloca() memory, the address of a local or a string literal (CWE-590).',
    help: 'Free only what malloc/new returned.',
  },
  {
    id: 'memory-leak',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.45,
    title: 'Allocation neither freed nor handed on',
    description:
      'A local pointer receives heap memory that is not freed, returned, stored elsewhere or passed to a function that could take ownership (CWE-401).',
    help: 'Free the memory on every path, or hand ownership on explicitly.',
  },
  {
    id: 'integer-overflow-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.6,
    title: 'Arithmetic on external input without a range check',
    description:
      'A value from input (or rand) is incremented, added to, subtracted from or multiplied without a range check (CWE-190/191).',
    help: 'Check the operand against the type limits (e.g. data < INT_MAX) before the arithmetic.',
  },
  {
    id: 'loop-bound-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.55,
    title: 'Loop count from external input without an upper bound',
    description:
      'A for loop runs up to a count that comes from input (or rand) with no upper-bound check: the input decides how long it runs (CWE-400/606).',
    help: 'Cap the count at a sane maximum before looping.',
  },
  {
    id: 'unsigned-underflow',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.35,
    title: 'Unsigned subtraction of lengths never compared',
    description:
      'Two unsigned variables (size_t, unsigned, uintN_t) are subtracted with no comparison on either since they were assigned: if the second is larger the result wraps to a huge length (CWE-191).',
    help: 'Compare the operands first (if (b > a) fail) or compute in a signed type after validating.',
  },
  {
    id: 'divide-by-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.65,
    title: 'Division by external input without a zero check',
    description:
      'The divisor of / or % comes from input (or rand) and is not compared with zero first (CWE-369).',
    help: 'Check the divisor is non-zero before dividing.',
  },
  {
    id: 'allocation-size-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.6,
    title: 'Allocation size from external input without a bound',
    description:
      'malloc/calloc/realloc/alloca/new[] size derived from input (or rand) without an upper bound check: huge allocations or a multiplication that wraps (CWE-789/680).',
    help: 'Bound the count before allocating and check the multiplication for overflow.',
  },
  {
    id: 'narrowing-external',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.5,
    title: 'External value narrowed without a range check',
    description:
      'A value from input is cast to char/short without a range check and silently truncated (CWE-197).',
    help: 'Check the value fits the narrower type before the cast.',
  },
  {
    id: 'uninitialized-use',
    version: 1,
    cwe: 'CWE-other',
    confidence: 0.6,
    title: 'Variable or buffer element read before it is assigned',
    description:
      'A local scalar or pointer declared without an initializer is read before any assignment, or an element of fresh memory (malloc, alloca, new[], an array declared without initializer) is read before anything was stored there (CWE-457/758).',
    help: 'Initialise the variable at its declaration.',
  },
];

const byId = new Map(RULES.map((rule) => [rule.id, rule]));

/** The catalogue entry for a rule id; throws on an unknown id, which would be a bug in a check. */
export function ruleInfo(id: string): RuleInfo {
  const rule = byId.get(id);
  if (!rule) throw new Error(`unknown rule id ${id}`);
  return rule;
}
