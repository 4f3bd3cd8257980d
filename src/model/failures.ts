// What went wrong with one request to the endpoint, whether trying again can help, and how long to wait.
import type { IncomingHttpHeaders } from 'node:http';
import { HttpConnectionError, type HttpResponse, HttpTimeoutError } from './http.ts';

export interface Failure {
  message: string;
  retryable: boolean;
  /** The server refused the request as invalid (400/422): the same request will be refused again. */
  rejected?: boolean;
  /** The server said the input is over its context length. */
  tooLong?: boolean;
  /** A rejection that names the most top_logprobs the server allows. */
  topLogprobsLimit?: number;
  /** The server's Retry-After, in ms. */
  waitMs?: number;
}

// Each server words "the prompt does not fit" its own way; every form below is quoted from its source:
// vLLM   vllm/entrypoints/openai/serving_engine.py "This model's maximum context length is N tokens. However,
//        your request has M input tokens…" (and "'max_tokens' … is too large: … maximum context length …");
//        vllm/v1/engine/processor.py "The decoder prompt (length N) is longer than the maximum model length of M".
// TGI    router/src/validation.rs "`inputs` tokens + `max_new_tokens` must be <= N. Given: …",
//        "`inputs` must have less than N tokens. Given: …" (as 422 "Input validation error: …").
// llama.cpp tools/server/server-context.cpp "request (N tokens) exceeds the available context size (M tokens),
//        try increasing it", older builds "input (N tokens) is larger than the max context size (M tokens)";
//        error type exceed_context_size_error (tools/server/server-common.cpp).
// OpenAI "This model's maximum context length is …", code context_length_exceeded.
// Ollama "the input length exceeds the context length" (when it does not truncate; see docs/model.md).
const CONTEXT_TOO_LONG = new RegExp(
  [
    'context length',
    'context window',
    'maximum context',
    'maximum model length',
    'max context size',
    'exceeds the available context',
    'context_length_exceeded',
    '`inputs` tokens \\+ `max_new_tokens` must be <=',
    '`inputs` must have less than \\d+ tokens',
    'too many tokens',
    'prompt is too long',
    'input is too long',
  ].join('|'),
  'i',
);
/** Error codes and types that mean the same, whatever the message says. */
const CONTEXT_TOO_LONG_CODES = new Set(['context_length_exceeded', 'exceed_context_size_error']);

// Rejections that name how many top_logprobs the server allows, each quoted from its source:
// TGI       router/src/validation.rs        "`top_n_tokens` must be >= 0 and <= 5. Given: 10"
// vLLM      vllm/v1/engine/processor.py     "Requested sample logprobs of 10, which is greater than max allowed: 5"
// Ollama    server/routes.go                "top_logprobs must be between 0 and 20"
// OpenAI    API reference (top_logprobs ∈ [0, 20]) "Invalid 'top_logprobs': integer above maximum value.
//                                            Expected a value <= 20, but got 25 instead."
const TOP_LOGPROBS_LIMITS = [
  /`top_n_tokens` must be >= 0 and <= (\d+)/,
  /requested sample logprobs of \d+, which is greater than max allowed: (\d+)/i,
  /top_logprobs must be between 0 and (\d+)/i,
  /top_logprobs'?[^.]*\.\s*expected a value <= ?(\d+)/i,
  /(?:top_logprobs|top_n_tokens|logprobs)\b[^.]*?(?:<=|≤|at most|maximum(?: value)? (?:is|of)|max allowed:?)\s*(\d+)/i,
];

/** The most top_logprobs a rejection allows, when its message names it. */
export function topLogprobsLimit(text: string): number | undefined {
  for (const pattern of TOP_LOGPROBS_LIMITS) {
    const match = pattern.exec(text);
    if (match) return Number.parseInt(match[1]!, 10);
  }
  return undefined;
}

/** Whether an error's words (or its code / type) say the input is longer than the server's context. */
export function isContextTooLong(text: string, code?: string): boolean {
  return (code !== undefined && CONTEXT_TOO_LONG_CODES.has(code)) || CONTEXT_TOO_LONG.test(text);
}

/** Retry-After as seconds or an HTTP date (RFC 9110), or the non-standard retry-after-ms some servers send. */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(String(headers['retry-after-ms'] ?? ''));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = String(headers['retry-after'] ?? '').trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number.parseFloat(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The error text of an error body: OpenAI `{error: {message}}`, vLLM `{message}`, TGI `{error: "..."}`, or the text. */
export function errorText(body: string): string {
  return errorFields(body).text;
}

/**
 * An error body's text and, where the server gives them, its machine-readable code or type (OpenAI
 * `error.code`, llama.cpp `error.type`, TGI `error_type`).
 */
export function errorFields(body: string): { text: string; code?: string } {
  try {
    const parsed = JSON.parse(body) as {
      error?: { message?: unknown; code?: unknown; type?: unknown } | string;
      message?: unknown;
      detail?: unknown;
      error_type?: unknown;
    };
    const candidate =
      typeof parsed.error === 'string'
        ? parsed.error
        : (parsed.error?.message ??
          parsed.message ??
          (typeof parsed.detail === 'string' ? parsed.detail : undefined));
    const nested = typeof parsed.error === 'object' && parsed.error ? parsed.error : undefined;
    const code = [nested?.code, nested?.type, parsed.error_type].find(
      (value): value is string => typeof value === 'string' && value !== '',
    );
    if (typeof candidate === 'string' && candidate) {
      const text = candidate.slice(0, 500);
      return code ? { text, code } : { text };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return { text: text ? text.slice(0, 300) : '(empty body)' };
}

export function describeStatus(response: HttpResponse): Failure {
  const { status } = response;
  const { text: detail, code } = errorFields(response.body);
  if (status === 400 || status === 413 || status === 422) {
    if (status === 413 || isContextTooLong(detail, code)) {
      return {
        message: `too-long: the server refused the input (${status}): ${detail}`,
        retryable: false,
        tooLong: true,
      };
    }
    const limit = topLogprobsLimit(detail);
    return {
      message: `request rejected (${status}): ${detail}`,
      retryable: false,
      rejected: true,
      ...(limit === undefined ? {} : { topLogprobsLimit: limit }),
    };
  }
  if (status === 401 || status === 403) {
    return {
      message: `not authorised (${status}): ${detail}; check the API key (VULNREVIEW_API_KEY / api-key input)`,
      retryable: false,
    };
  }
  if (status === 404) {
    return {
      message: `not found (404): ${detail}; check the model name and that the endpoint URL ends in /v1`,
      retryable: false,
    };
  }
  // 424 is TGI's "Request failed during generation" (router/src/server.rs: InferError::GenerationError, e.g.
  // CUDA out of memory in a crowded batch): the same request can succeed a moment later.
  const retryable = status === 408 || status === 409 || status === 424 || status === 429 || status >= 500;
  return { message: `HTTP ${status}: ${detail}`, retryable, waitMs: retryAfterMs(response.headers) };
}

export function describeTransportError(error: unknown): Failure {
  if (error instanceof HttpTimeoutError) {
    return { message: `no answer within the ${error.timeoutMs / 1000} s timeout`, retryable: true };
  }
  if (error instanceof HttpConnectionError) {
    return { message: `connection failed: ${error.message}`, retryable: true };
  }
  return { message: error instanceof Error ? error.message : String(error), retryable: true };
}

/** Exponential backoff with "equal jitter": half fixed, half random, so concurrent retries spread out. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
