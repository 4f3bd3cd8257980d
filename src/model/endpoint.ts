// The fine-tuned model behind any OpenAI-compatible chat-completions endpoint (vLLM, TGI, llama.cpp server,
// Ollama, OpenAI, Azure OpenAI). Requests go through a small node:http client (http.ts) rather than the
// `openai` package: that package sits on global fetch, which cost two to four times the CPU per request
// (bench/model.md), and its retries could not be tuned (tests need millisecond backoffs), could not give
// up on a Retry-After longer than we are willing to wait, nor tell a rejected `logprobs` parameter from
// other failures. Only its types are used, so request and answer shapes stay those of the OpenAI API.
//
// What each real server does with the request, and where that is written in its source, is in docs/model.md
// and in the per-server doubles under test/helpers/servers/.
import type { FunctionInput, Verdict } from '../types.ts';
import type { Backend } from './backend.ts';
import {
  type ChatRequest,
  type ChatSender,
  type Completion,
  RejectedError,
  sendChat,
} from './chat-request.ts';
import { classifyAnswer, isTokenIdPlaceholder, readAnswerProbability } from './classify.ts';
import { displayUrl, requestHeaders, scrubber } from './connection.ts';
import { TooLongError } from './errors.ts';
import { endpointUrl, JsonHttpClient } from './http.ts';
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
  /** Retries after the first attempt on 429, 424, 5xx, timeouts, connection errors, malformed bodies; default 3. */
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
  /** Alternatives asked for at each answer position; default 5 (TGI's default ceiling). */
  topLogprobs?: number;
  /**
   * Called once for each thing the backend learnt about the server that changes what a confidence means (a
   * lower top_logprobs limit, logprobs refused or ignored, tokens sent as ids). Also kept in `notices`.
   */
  onNotice?: (message: string) => void;
}

/** The endpoint backend, with what it learnt about the server. */
export interface EndpointBackend extends Backend {
  readonly name: 'endpoint';
  /** undefined until the first answer; false once the server showed it gives no usable logprobs. */
  readonly logprobsSupported: boolean | undefined;
  /** The top_logprobs now asked for: the default, or the server's own limit once it named one. */
  readonly topLogprobs: number;
  /** What the backend told onNotice, in order. */
  readonly notices: readonly string[];
}

export const DEFAULTS = {
  timeoutMs: 60_000,
  maxRetries: 3,
  maxInputTokens: 6_000,
  retryBaseMs: 500,
  retryMaxMs: 8_000,
  maxRetryAfterMs: 60_000,
  textConfidence: { yes: 0.75, no: 0.25 },
  // Two entries are all a Yes/No split needs; 5 is TGI's launcher default --max-top-n-tokens
  // (launcher/src/main.rs), below vLLM's --max-logprobs default of 20 and OpenAI's and Ollama's ceiling of 20.
  topLogprobs: 5,
  // Room for a newline or space a chat template leaves to the model, the word, and a full stop.
  answerTokens: 4,
} as const;

/** Names the request and reading rule of docs/model.md; changed whenever either changes. */
const ANSWER_READER = 'answer-reader/2: max_tokens 4, first word position';

/** Confidence of an answer that said neither yes nor no: unknown, and never a "safe" 0. */
const UNCLASSIFIED_CONFIDENCE = 0.5;

/** The documented token budget rule: about four characters per token, over all messages. */
export function estimateTokens(messages: ChatMessage[]): number {
  return Math.ceil(messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
}

export async function createEndpointBackend(options: EndpointOptions): Promise<EndpointBackend> {
  const textConfidence = options.textConfidence ?? DEFAULTS.textConfidence;
  const maxInputTokens = options.maxInputTokens ?? DEFAULTS.maxInputTokens;
  const prompt = options.prompt;
  const hash = promptHash(prompt);
  const where = displayUrl(options.baseUrl);
  const apiKey = options.apiKey || undefined;
  const scrub = scrubber(apiKey, options.headers);
  const http = new JsonHttpClient();
  const sender: ChatSender = {
    http,
    url: endpointUrl(options.baseUrl, 'chat/completions'),
    headers: requestHeaders(apiKey, options.headers),
    where,
    scrub,
    timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
    maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    retryBaseMs: options.retryBaseMs ?? DEFAULTS.retryBaseMs,
    retryMaxMs: options.retryMaxMs ?? DEFAULTS.retryMaxMs,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
  };
  const send = (body: ChatRequest, signal?: AbortSignal) => sendChat(sender, body, signal);

  // What the backend learns about the server, once per run.
  let logprobsSupported: boolean | undefined;
  let topLogprobs = options.topLogprobs ?? DEFAULTS.topLogprobs;
  // vLLM started with --return-tokens-as-token-ids names tokens `token_id:9642`; after the first such answer
  // every request asks for text tokens, and if even that is ignored, logprobs are given up.
  let tokenIds: 'unseen' | 'asked-off' = 'unseen';
  const notices: string[] = [];
  const notice = (message: string) => {
    const text = scrub(`endpoint ${where}: ${message}`);
    if (notices.includes(text)) return;
    notices.push(text);
    options.onNotice?.(text);
  };
  /** Logprobs cannot be had or read from this server: every later question is asked for text. */
  const giveUpLogprobs = (why: string) => {
    if (logprobsSupported === false) return;
    logprobsSupported = false;
    notice(
      `${why}; confidences are now the fixed text values ${textConfidence.yes} (yes) / ${textConfidence.no} (no) for the rest of the run, so --fail-on-confidence cannot rank findings`,
    );
  };

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

  /** The answer's first tokens with their alternatives; see readAnswerProbability for what is read. */
  function askLogprobs(messages: ChatMessage[], signal?: AbortSignal) {
    const top = topLogprobs;
    const idsOff = tokenIds === 'asked-off';
    const body: ChatRequest = {
      ...base(messages),
      // A CWE-style answer needs room for ": CWE-120"; P(yes) still comes from its first word.
      max_tokens: prompt.cweStyle ? 16 : DEFAULTS.answerTokens,
      logprobs: true,
      top_logprobs: top,
      ...(idsOff ? { return_tokens_as_token_ids: false } : {}),
    };
    return send(body, signal).then((reply) => ({ reply, top, idsOff }));
  }

  /** Ask with logprobs; a rejection that names the server's top_logprobs limit is asked again once within it. */
  async function askWithinLimit(messages: ChatMessage[], signal?: AbortSignal) {
    const sent = topLogprobs;
    try {
      return await askLogprobs(messages, signal);
    } catch (error) {
      const limit = error instanceof RejectedError ? error.topLogprobsLimit : undefined;
      // A limit at or above what was sent means something else was refused: asking again cannot help.
      if (limit === undefined || limit < 0 || limit >= sent) throw error;
      // Another question in flight may already have lowered it; either way ask within what the server allows.
      if (limit < topLogprobs) {
        topLogprobs = limit;
        notice(
          `the server allows at most ${limit} top_logprobs (it refused more): asking for ${limit} from now on`,
        );
      }
      return askLogprobs(messages, signal);
    }
  }

  /** The text of an answer whose logprobs cannot be read: its own words when they decide, else a text request. */
  async function textOf(reply: Completion, messages: ChatMessage[], signal?: AbortSignal) {
    const answer = fromText(reply.content);
    if (answer.vulnerable !== null && (!prompt.cweStyle || reply.finish !== 'length')) return answer;
    return askText(messages, signal);
  }

  return {
    name: 'endpoint',
    model: options.model,
    promptHash: hash,
    get logprobsSupported() {
      return logprobsSupported;
    },
    get topLogprobs() {
      return topLogprobs;
    },
    notices,

    async analyse(fn: FunctionInput, signal?: AbortSignal): Promise<Verdict> {
      const messages = buildMessages(prompt, fn);
      const tokens = estimateTokens(messages);
      if (tokens > maxInputTokens) {
        throw new TooLongError(
          `too-long: about ${tokens} tokens (characters ÷ 4), over the input budget of ${maxInputTokens}`,
        );
      }
      if (logprobsSupported === false) return askText(messages, signal);

      let asked: Awaited<ReturnType<typeof askLogprobs>>;
      try {
        asked = await askWithinLimit(messages, signal);
      } catch (error) {
        // Some servers refuse the logprobs parameters outright: ask again without them, and if that works,
        // stop sending them. A refusal for the input's length is a TooLongError, never re-sent as text.
        if (error instanceof RejectedError && logprobsSupported !== true) {
          const answer = await askText(messages, signal);
          giveUpLogprobs(`the server refused the logprobs parameters (${error.message})`);
          return answer;
        }
        throw error;
      }
      let { reply } = asked;

      if (reply.tokens?.some((t) => isTokenIdPlaceholder(t.token ?? ''))) {
        if (!asked.idsOff) {
          // Learnt once: this and every later request ask vLLM for the tokens as text.
          if (tokenIds === 'unseen') {
            tokenIds = 'asked-off';
            notice(
              'the server names tokens as token_id:N (vLLM --return-tokens-as-token-ids): asking with return_tokens_as_token_ids: false from now on',
            );
          }
          try {
            reply = (await askLogprobs(messages, signal)).reply;
          } catch (error) {
            if (!(error instanceof RejectedError)) throw error;
            // A server that refuses the switch cannot be asked for text tokens: this answer's words decide.
          }
        }
        if (reply.tokens?.some((t) => isTokenIdPlaceholder(t.token ?? ''))) {
          // The switch was ignored: the ids cannot be told apart without the tokenizer. Read text instead.
          giveUpLogprobs(
            'the server names tokens as token_id:N even when asked not to (start vLLM without --return-tokens-as-token-ids)',
          );
          return textOf(reply, messages, signal);
        }
      }

      if (!reply.tokens || reply.tokens.length === 0) {
        // Parameter accepted but ignored: the short answer may already say yes or no.
        giveUpLogprobs('the server ignores the logprobs parameters (its answers carry none)');
        return textOf(reply, messages, signal);
      }
      logprobsSupported = true;
      const { pYes } = readAnswerProbability(reply.tokens);
      // The model's first word was neither yes nor no: read a longer text answer instead.
      if (pYes === undefined) return askText(messages, signal);
      const vulnerable = pYes >= 0.5;
      return verdict({
        vulnerable,
        confidence: pYes,
        // The whitespace a template leaves to the model is not part of the answer.
        rawAnswer: reply.content.trim(),
        cwe: vulnerable ? classifyAnswer(reply.content).cwe : undefined,
      });
    },

    cacheSource(fn: FunctionInput): string {
      // The reader's version is part of what a verdict depends on: verdicts read by an older rule (0.1.0
      // read P(yes) at the first generated position, whitespace or not) are asked again.
      return [ANSWER_READER, ...buildMessages(prompt, fn).map((m) => `${m.role}\n${m.content}`)].join('\n');
    },

    async close() {
      http.close();
    },
  };
}
