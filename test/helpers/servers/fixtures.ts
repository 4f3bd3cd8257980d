// Functions for the per-server tests: real-looking C with 0 to 3 unbounded copies, so the toy model's
// belief (countsUnboundedCopies: 0.15, 0.40, 0.65, 0.90) differs from one to the next, and over-long ones.
import { expect } from 'vitest';
import {
  createEndpointBackend,
  type EndpointBackend,
  type EndpointOptions,
} from '../../../src/model/endpoint.ts';
import { PD1 } from '../../../src/model/prompts.ts';
import type { FunctionInput } from '../../../src/types.ts';

export const graded: Array<{ fn: FunctionInput; belief: number }> = [
  {
    fn: { name: 'add', file: 'm.c', lang: 'c', source: 'int add(int a, int b)\n{\n  return a + b;\n}' },
    belief: 0.15,
  },
  {
    fn: {
      name: 'set_name',
      file: 'user.c',
      lang: 'c',
      source: 'void set_name(struct user *u, const char *s)\n{\n  strcpy(u->name, s);\n}',
    },
    belief: 0.4,
  },
  {
    fn: {
      name: 'greet',
      file: 'greet.c',
      lang: 'c',
      source:
        'void greet(char *out, const char *first, const char *last)\n{\n  strcpy(out, first);\n  strcat(out, last);\n}',
    },
    belief: 0.65,
  },
  {
    fn: {
      name: 'format_path',
      file: 'path.c',
      lang: 'c',
      source:
        'void format_path(char *dst, const char *dir, const char *base)\n{\n  char tmp[64];\n  sprintf(tmp, "%s/", dir);\n  strcpy(dst, tmp);\n  strcat(dst, base);\n}',
    },
    belief: 0.9,
  },
];

/** A function of `lines` statements (about 8 tokens a line in the doubles' tokenizer), `insert` at line `at`. */
export function longFunction(
  name: string,
  lines: number,
  insert = '',
  at = Math.floor(lines / 2),
): FunctionInput {
  const body = Array.from({ length: lines }, (_, i) => (i === at && insert ? `  ${insert}` : `  x += ${i};`));
  return {
    name,
    file: `${name}.c`,
    lang: 'c',
    source: `int ${name}(int x)\n{\n${body.join('\n')}\n  return x;\n}`,
  };
}

/** An endpoint backend with millisecond backoffs (Retry-After still decides when a server sends one). */
export function backendFor(
  url: string,
  model: string,
  extra: Partial<EndpointOptions> = {},
): Promise<EndpointBackend> {
  return createEndpointBackend({
    baseUrl: url,
    model,
    prompt: PD1,
    retryBaseMs: 1,
    retryMaxMs: 5,
    timeoutMs: 5_000,
    ...extra,
  });
}

/** Each confidence is the toy model's belief about the graded function in the same place (within 0.05). */
export function expectBeliefs(confidences: number[]): void {
  expect(confidences).toHaveLength(graded.length);
  for (const [i, confidence] of confidences.entries()) expect(confidence).toBeCloseTo(graded[i]!.belief, 1);
}
