// The fine-tuned model behind any OpenAI-compatible chat-completions endpoint (vLLM, TGI, llama.cpp server,
// Ollama, OpenAI, Azure OpenAI). Requests go through a small node:http client (http.ts) rather than the
// `openai` package: that package sits on global fetch, which cost two to four times the CPU per request
// (bench/model.md), and its retries could not be tuned (tests need millisecond backoffs), could not give
// up on a Retry-After longer than we are willing to wait, nor tell a rejected `logprobs` parameter from
// other failures. Only its types are used, so request and answer shapes stay those of the OpenAI API.
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions';
import type { FunctionInput, Verdict } from '../types.ts';
import { type Backend, BackendError } from './backend.ts';
import { classifyAnswer, probabilityFromChosenToken, probabilityFromLogprobs } from './classify.ts';
import { displayUrl, requestHeaders, scrubber } from './connection.ts';
import { TooLongError } from './errors.ts';
import { backoffMs, describeStatus, describeTransportError, type Failure, sleep } from './failures.ts';
import { endpointUrl, HttpAbortError, JsonHttpClient } from './http.ts';
import { buildMessages, type ChatMessage, type PromptSpec, promptHash } from './prompts.ts';

export { discoverModel } from './connection.ts';
export { TooLongError } from './errors.ts';

export interface EndpointOptions {
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  /** Model (or LoRA adapter) name at the endpoint. */
  model: string;
  /** Sent as `Authorization: Bearer …`; never logged, scrubbed from every error message. */
  apiKey?: string;
  /** Extra request headers (e.g. Azure's `api-key`, a gateway's tenant header). */
  headers?: Record<string, string>;
  prompt: PromptSpec;
  /** Per request, default 60 s. */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, timeouts, connection errors, malformed bodies; default 3. */
  maxRetries?: number;
  /** Messages longer than this many tokens (estimated as characters ÷ 4) are not sent; default 6,000. */
  maxInputTokens?: number;
  /** First backoff (doubling per retry, with jitter), default 500 ms; and its cap, default 8 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A Retry-After longer than this gives up at once instead of waiting; default 60 s. */
  maxRetryAfterMs?: number;
  /** Confidence of text answers when the server gives no logprobs; default { yes: 0.75, no: 0.25 }. */
  textConfidence?: { yes: number; no: number };
}

/** The endpoint backend, with what it learnt about the server. */
export interface EndpointBackend extends Backend {
  readonly name: 'endpoint';
  /** undefined until the first answer; false once the server showed it gives no logprobs. */
  readonly logprobsSupported: boolean | undefined;
}

export const DEFAULTS = {
  timeoutMs: 60_000,
  maxRetries: 3,
  maxInputTokens: 6_000,
  retryBaseMs: 500,
  retryMaxMs: 8_000,
  maxRetryAfterMs: 60_000,
  textConfidence: { yes: 0.75, no: 0.25 },
  topLogprobs: 10,
} as const;

/** Confidence of an answer that said neither yes nor no: unknown, and never a "safe" 0. */
const UNCLASSIFIED_CONFIDENCE = 0.5;

/** The documented token budget rule: about four characters per token, over all messages. */
export function estimateTokens(messages: ChatMessage[]): number {
  return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
}

/** The server refused the request as invalid (400/422): retrying the same request cannot help. */
class RejectedError extends BackendError {
  constructor(message: string) {
    super(message, false);
    this.name = 'RejectedError';
  }
}

type Completion = { content: string; tokens: ChatCompletionTokenLogprob[] | undefined; finish: string };

/** A 2xx body as a completion, or why it is not one. */
function parseCompletion(body: string): Completion | Failure {
  let parsed: ChatCompletion;
  try {
    parsed = JSON.parse(body) as ChatCompletion;
  } catch (error) {
    return { message: `malformed JSON in the answer (${(error as Error).message})`, retryable: true };
  }
  const choice = parsed?.choices?.[0];
  if (!choice?.message) return { message: 'the answer has no choices[0].message', retryable: true };
  return {
    content: typeof choice.message.content === 'string' ? choice.message.content : '',
    tokens: Array.isArray(choice.logprobs?.content) ? choice.logprobs.content : undefined,
    finish: choice.finish_reason ?? '',
  };
}

export async function createEndpointBackend(options: EndpointOptions): Promise<EndpointBackend> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxRetries = options.maxRetries ?? DEFAULTS.maxRetries;
  const maxInputTokens = options.maxInputTokens ?? DEFAULTS.maxInputTokens;
  const retryBaseMs = options.retryBaseMs ?? DEFAULTS.retryBaseMs;
  const retryMaxMs = options.retryMaxMs ?? DEFAULTS.retryMaxMs;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs;
  const textConfidence = options.textConfidence ?? DEFAULTS.textConfidence;
  const prompt = options.prompt;
  const hash = promptHash(prompt);
  const where = displayUrl(options.baseUrl);
  const apiKey = options.apiKey || undefined;
  const url = endpointUrl(options.baseUrl, 'chat/completions');
  const headers = requestHeaders(apiKey, options.headers);
  const scrub = scrubber(apiKey, options.headers);
  const http = new JsonHttpClient();

  const fail = (failure: Failure, attempts: number): BackendError => {
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const message = scrub(`endpoint ${where}: ${failure.message}${tries}`);
    if (failure.tooLong) return new TooLongError(message);
    if (failure.rejected) return new RejectedError(message);
    return new BackendError(message, failure.retryable);
  };
  const cancelled = () => new BackendError(`endpoint ${where}: request cancelled`, true);

  /** One request, retried on failures that another try might not meet. */
  async function send(
    body: ChatCompletionCreateParamsNonStreaming,
    signal?: AbortSignal,
  ): Promise<Completion> {
    const payload = JSON.stringify(body);
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelled();
      let failure: Failure;
      try {
        const response = await http.request(url, {
          method: 'POST',
          headers,
          body: payload,
          timeoutMs,
          signal,
        });
        if (response.status >= 200 && response.status < 300) {
          const completion = parseCompletion(response.body);
          if ('content' in completion) return completion;
          failure = completion;
        } else {
          failure = describeStatus(response);
        }
      } catch (error) {
        if (error instanceof HttpAbortError || signal?.aborted) throw cancelled();
        failure = describeTransportError(error);
      }
      if (!failure.retryable || attempt > maxRetries) throw fail(failure, attempt);
      if (failure.waitMs !== undefined && failure.waitMs > maxRetryAfterMs) {
        const asked = Math.round(failure.waitMs / 1000);
        throw fail(
          {
            ...failure,
            message: `${failure.message}; the server asked to retry after ${asked} s, longer than the ${maxRetryAfterMs / 1000} s we wait`,
          },
          attempt,
        );
      }
      try {
        await sleep(failure.waitMs ?? backoffMs(attempt, retryBaseMs, retryMaxMs), signal);
      } catch {
        throw cancelled();
      }
    }
  }

  const base = (messages: ChatMessage[]) => ({ model: options.model, messages, temperature: 0 });

  const verdict = (fields: Pick<Verdict, 'vulnerable' | 'confidence' | 'rawAnswer' | 'cwe'>): Verdict => {
    // The answer is server text that ends up in stdout, SARIF and the cache: a server (or a prompt-injected
    // model) that repeats the request's headers must not get the key into any of them.
    const v: Verdict = {
      ...fields,
      rawAnswer: scrub(fields.rawAnswer),
      backend: 'endpoint',
      model: options.model,
      promptHash: hash,
    };
    if (v.cwe === undefined) delete v.cwe;
    return v;
  };

  const fromText = (content: string): Verdict => {
    const answer = classifyAnswer(content);
    const confidence =
      answer.vulnerable === null
        ? UNCLASSIFIED_CONFIDENCE
        : answer.vulnerable
          ? textConfidence.yes
          : textConfidence.no;
    return verdict({ vulnerable: answer.vulnerable, confidence, rawAnswer: content, cwe: answer.cwe });
  };

  /** The fallback: a short text answer, classified by keywords. */
  async function askText(messages: ChatMessage[], signal?: AbortSignal): Promise<Verdict> {
    const reply = await send({ ...base(messages), max_tokens: prompt.cweStyle ? 24 : 16 }, signal);
    return fromText(reply.content);
  }

  // The first token that carries a word decides; leading whitespace or markup tokens are passed over.
  function pYes(tokens: ChatCompletionTokenLogprob[]): number | undefined {
    for (const entry of tokens) {
      const p = entry.top_logprobs?.length
        ? probabilityFromLogprobs(entry.top_logprobs)
        : probabilityFromChosenToken(entry.token ?? '', entry.logprob);
      if (p !== undefined) return p;
      if (/[A-Za-z0-9]/.test(entry.token ?? '')) return undefined;
    }
    return undefined;
  }

  let logprobsSupported: boolean | undefined;

  return {
    name: 'endpoint',
    model: options.model,
    promptHash: hash,
    get logprobsSupported() {
      return logprobsSupported;
    },

    async analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict> {
      const messages = buildMessages(prompt, fn);
      const tokens = estimateTokens(messages);
      if (tokens > maxInputTokens) {
        throw new TooLongError(
          `too-long: about ${tokens} tokens (characters ÷ 4), over the input budget of ${maxInputTokens}`,
        );
      }
      if (logprobsSupported === false) return askText(messages, signal);

      let reply: Completion;
      try {
        reply = await send(
          {
            ...base(messages),
            // A CWE-style answer needs room for ": CWE-120"; P(yes) still comes from its first word.
            max_tokens: prompt.cweStyle ? 16 : 1,
            logprobs: true,
            top_logprobs: DEFAULTS.topLogprobs,
          },
          signal,
        );
      } catch (error) {
        // Some servers refuse the logprobs parameters outright: ask again without them, and if that
        // works, stop sending them.
        if (error instanceof RejectedError && logprobsSupported !== true) {
          const answer = await askText(messages, signal);
          logprobsSupported = false;
          return answer;
        }
        throw error;
      }

      if (!reply.tokens || reply.tokens.length === 0) {
        // Parameter accepted but ignored: the short answer may already say yes or no.
        logprobsSupported = false;
        const answer = fromText(reply.content);
        if (answer.vulnerable !== null && (!prompt.cweStyle || reply.finish !== 'length')) return answer;
        return askText(messages, signal);
      }
      logprobsSupported = true;
      const p = pYes(reply.tokens);
      // The model's likely first words were neither yes nor no: read a longer text answer instead.
      if (p === undefined) return askText(messages, signal);
      const vulnerable = p >= 0.5;
      return verdict({
        vulnerable,
        confidence: p,
        rawAnswer: reply.content,
        cwe: vulnerable ? classifyAnswer(reply.content).cwe : undefined,
      });
    },

    cacheSource(fn: FunctionInput): string {
      return buildMessages(prompt, fn)
        .map((m) => `${m.role}\n${m.content}`)
        .join('\n');
    },

    async close() {
      http.close();
    },
  };
}
