// Action inputs and CLI flags → one validated set of options. Both front ends share the validators, so a
// bad value gets the same message naming the input whichever way it came in.
import { DEFAULT_MARGIN } from './baseline/types.ts';
import type { ReportMode } from './report/baseline.ts';
import { DEFAULT_CATEGORY, normalizeCategory } from './report/category.ts';
import type { OnError } from './report/gate.ts';

export type BackendChoice = 'auto' | 'endpoint' | 'rules';

export interface RunConfig {
  backend: BackendChoice;
  endpoint?: string;
  model?: string;
  apiKey?: string;
  prompt: string;
  concurrency: number;
  timeoutSeconds?: number;
  /** Overall seconds for asking the model; functions not reached by then are counted as unanalysed. */
  timeBudgetSeconds?: number;
  sarifFile: string;
  failOnConfidence?: number;
  onError: OnError;
  maxComments: number;
  paths: string[];
  pathsIgnore: string[];
  maxFileBytes: number;
  /** A file in the repository declaring project macros (clang-format keys); `.clang-format` is read anyway. */
  macros?: string;
  category: string;
  cache: boolean;
  /** `new` (default): comments and the gate consider only what the change made worse. */
  report: ReportMode;
  /** P(vulnerable) rise that makes a finding flagged on both sides `new` (see src/baseline/states.ts). */
  baselineMargin: number;
  /** The optional explanation stage; off unless an explain endpoint is set. */
  explain?: ExplainConfig;
}

export interface ExplainConfig {
  endpoint: string;
  model?: string;
  apiKey?: string;
  /** Findings below this confidence are not explained. */
  minConfidence: number;
}

/** A bad input or flag: exit code 2, with the input's name and what is allowed. */
export class InputError extends Error {
  constructor(input: string, value: string, expected: string) {
    super(`invalid ${input} "${value}": expected ${expected}`);
    this.name = 'InputError';
  }
}

export function parseBackend(value: string, input = 'backend'): BackendChoice {
  const v = value.trim() || 'auto';
  if (v === 'auto' || v === 'endpoint' || v === 'rules') return v;
  throw new InputError(input, value, 'auto, endpoint or rules');
}

export function parseOnError(value: string, input = 'on-error'): OnError {
  const v = value.trim() || 'fail';
  if (v === 'fail' || v === 'warn') return v;
  throw new InputError(input, value, 'fail or warn');
}

/** Empty means "never fail on findings". */
export function parseConfidence(value: string, input = 'fail-on-confidence'): number | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError(input, value, 'a number from 0 to 1');
  return n;
}

export function parsePositiveInt(value: string, input: string, fallback: number, min = 1): number {
  const v = value.trim();
  if (v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(input, value, `a whole number ≥ ${min}`);
  return n;
}

/** Globs separated by newlines or commas, blank entries and `#` comments dropped. */
export function parseGlobs(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

/** A repeatable CLI glob option (commander's argParser): each value parsed like the action input. */
export function collectGlobs(value: string, previous: string[] = []): string[] {
  return [...previous, ...parseGlobs(value)];
}

export function parseBoolean(value: string, input: string, fallback: boolean): boolean {
  const v = value.trim().toLowerCase();
  if (v === '') return fallback;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InputError(input, value, 'true or false');
}

export function parseReportMode(value: string, input = 'report'): ReportMode {
  const v = value.trim() || 'new';
  if (v === 'new' || v === 'all') return v;
  throw new InputError(input, value, 'new or all');
}

/** A P(vulnerable) rise in [0, 1]; empty means the default. */
export function parseMargin(value: string, input = 'baseline-margin'): number {
  const v = value.trim();
  if (v === '') return DEFAULT_MARGIN;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InputError(input, value, 'a number from 0 to 1');
  return n;
}

/** Default of `explain-min-confidence`: findings the model called vulnerable. */
export const DEFAULT_EXPLAIN_MIN_CONFIDENCE = 0.5;

/** Reads the action's inputs (names as in action.yml) through `get`, which returns '' for unset ones. */
export function configFromInputs(get: (name: string) => string): RunConfig {
  const optional = (name: string) => get(name).trim() || undefined;
  const timeout = get('timeout').trim();
  const budget = get('time-budget').trim();
  return {
    backend: parseBackend(get('backend')),
    endpoint: optional('endpoint'),
    model: optional('model'),
    apiKey: optional('api-key'),
    prompt: optional('prompt') ?? 'pd-1',
    concurrency: parsePositiveInt(get('concurrency'), 'concurrency', 8),
    timeoutSeconds: timeout === '' ? undefined : parsePositiveInt(timeout, 'timeout', 60),
    timeBudgetSeconds: budget === '' ? undefined : parsePositiveInt(budget, 'time-budget', 0),
    sarifFile: optional('sarif-file') ?? 'vulnreview.sarif',
    failOnConfidence: parseConfidence(get('fail-on-confidence')),
    onError: parseOnError(get('on-error')),
    maxComments: parsePositiveInt(get('max-comments'), 'max-comments', 30, 0),
    paths: parseGlobs(get('paths')),
    pathsIgnore: parseGlobs(get('paths-ignore')),
    maxFileBytes: parsePositiveInt(get('max-file-size'), 'max-file-size', 1024) * 1024,
    macros: optional('macros'),
    // Always with its trailing `/` (see report/category.ts): `vulnreview-gpu` and `vulnreview-gpu/` are one.
    category: normalizeCategory(optional('category') ?? DEFAULT_CATEGORY),
    cache: parseBoolean(get('cache'), 'cache', true),
    report: parseReportMode(get('report')),
    baselineMargin: parseMargin(get('baseline-margin')),
    ...explainFromInputs(get),
  };
}

function explainFromInputs(get: (name: string) => string): { explain?: ExplainConfig } {
  const endpoint = get('explain-endpoint').trim();
  const min = get('explain-min-confidence').trim();
  const minConfidence =
    min === '' ? DEFAULT_EXPLAIN_MIN_CONFIDENCE : (parseConfidence(min, 'explain-min-confidence') ?? 0);
  if (!endpoint) return {};
  const model = get('explain-model').trim();
  const apiKey = get('explain-api-key').trim();
  return {
    explain: {
      endpoint,
      minConfidence,
      ...(model ? { model } : {}),
      ...(apiKey ? { apiKey } : {}),
    },
  };
}
