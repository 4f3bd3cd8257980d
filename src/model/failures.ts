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
  /** The server's Retry-After, in ms. */
  waitMs?: number;
}

// vLLM, TGI, llama.cpp, Ollama and OpenAI word it differently.
const CONTEXT_TOO_LONG =
  /context length|context window|maximum context|context_length_exceeded|too many tokens|prompt is too long|input is too long|exceeds the available context/i;

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
  try {
    const parsed = JSON.parse(body) as {
      error?: { message?: unknown } | string;
      message?: unknown;
      detail?: unknown;
    };
    const candidate =
      typeof parsed.error === 'string'
        ? parsed.error
        : (parsed.error?.message ??
          parsed.message ??
          (typeof parsed.detail === 'string' ? parsed.detail : undefined));
    if (typeof candidate === 'string' && candidate) return candidate.slice(0, 500);
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, 300) : '(empty body)';
}

export function describeStatus(response: HttpResponse): Failure {
  const { status } = response;
  const detail = errorText(response.body);
  if (status === 400 || status === 413 || status === 422) {
    if (status === 413 || CONTEXT_TOO_LONG.test(detail)) {
      return {
        message: `too-long: the server refused the input (${status}): ${detail}`,
        retryable: false,
        tooLong: true,
      };
    }
    return { message: `request rejected (${status}): ${detail}`, retryable: false, rejected: true };
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
  const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
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
