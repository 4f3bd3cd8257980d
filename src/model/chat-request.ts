// One chat-completions request, retried on the failures another try might not meet, and what came back:
// a completion, or an error that says whether the input was too long, the request was refused (and what
// top_logprobs limit the refusal named), or the server failed. What to ask, and how to read the answer,
// is endpoint.ts's job.
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionTokenLogprob,
} from 'openai/resources/chat/completions';
import { BackendError } from './backend.ts';
import { TooLongError } from './errors.ts';
import { backoffMs, describeStatus, describeTransportError, type Failure, sleep } from './failures.ts';
import { HttpAbortError, type JsonHttpClient } from './http.ts';

/** vLLM's per-request switch back from `--return-tokens-as-token-ids` (vllm/entrypoints/openai/protocol.py). */
export type ChatRequest = ChatCompletionCreateParamsNonStreaming & { return_tokens_as_token_ids?: boolean };

export type Completion = {
  content: string;
  tokens: ChatCompletionTokenLogprob[] | undefined;
  finish: string;
};

/** The server refused the request as invalid (400/422): retrying the same request cannot help. */
export class RejectedError extends BackendError {
  constructor(
    message: string,
    /** The most top_logprobs the server said it allows, when it said. */
    readonly topLogprobsLimit?: number,
  ) {
    super(message, false);
    this.name = 'RejectedError';
  }
}

export interface ChatSender {
  http: JsonHttpClient;
  url: URL;
  headers: Record<string, string>;
  /** How the endpoint is named in messages (no credentials). */
  where: string;
  /** Blanks secrets out of a message. */
  scrub: (text: string) => string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  maxRetryAfterMs: number;
}

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

/** One request, retried on failures that another try might not meet. */
export async function sendChat(
  sender: ChatSender,
  body: ChatRequest,
  signal?: AbortSignal,
): Promise<Completion> {
  const { where, scrub } = sender;
  const fail = (failure: Failure, attempts: number): BackendError => {
    const tries = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    const message = scrub(`endpoint ${where}: ${failure.message}${tries}`);
    if (failure.tooLong) return new TooLongError(message);
    if (failure.rejected) return new RejectedError(message, failure.topLogprobsLimit);
    return new BackendError(message, failure.retryable);
  };
  const cancelled = () => new BackendError(`endpoint ${where}: request cancelled`, true);
  const payload = JSON.stringify(body);
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw cancelled();
    let failure: Failure;
    try {
      const response = await sender.http.request(sender.url, {
        method: 'POST',
        headers: sender.headers,
        body: payload,
        timeoutMs: sender.timeoutMs,
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
    if (!failure.retryable || attempt > sender.maxRetries) throw fail(failure, attempt);
    if (failure.waitMs !== undefined && failure.waitMs > sender.maxRetryAfterMs) {
      const asked = Math.round(failure.waitMs / 1000);
      throw fail(
        {
          ...failure,
          message: `${failure.message}; the server asked to retry after ${asked} s, longer than the ${sender.maxRetryAfterMs / 1000} s we wait`,
        },
        attempt,
      );
    }
    try {
      await sleep(failure.waitMs ?? backoffMs(attempt, sender.retryBaseMs, sender.retryMaxMs), signal);
    } catch {
      throw cancelled();
    }
  }
}
