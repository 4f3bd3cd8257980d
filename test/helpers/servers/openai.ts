// The OpenAI API's POST /v1/chat/completions (and Azure OpenAI's v1 API, which answers the same), as
// documented and as it answers:
// - API reference, Create chat completion (and the `openai` package's types, resources/chat/completions):
//   `top_logprobs` is "An integer between 0 and 20"; errors are {"error": {message, type, param, code}}.
// - Above 20: 400 "Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got 25
//   instead.", code integer_above_max_value, param top_logprobs.
// - A prompt over the model's context: 400 "This model's maximum context length is N tokens. However, your
//   messages resulted in M tokens. Please reduce the length of the messages.", code context_length_exceeded.
// - Models that do not offer logprobs refuse the parameter with a 400 naming it.
import { type Belief, generate, llama3Template, tokenize } from './engine.ts';
import { type DoubleResponse, messagesOf, type ServerDouble, startDouble, utf8Bytes } from './http-double.ts';

export interface OpenAiOptions {
  belief: Belief;
  /** The model's context window in tokens (default 128,000). */
  contextWindow?: number;
  /** false: the model refuses the logprobs parameters. */
  logprobs?: boolean;
  apiKey?: string;
}

const invalid = (message: string, param: string | null, code: string | null): DoubleResponse => ({
  status: 400,
  body: { error: { message, type: 'invalid_request_error', param, code } },
});

export async function startOpenAi(options: OpenAiOptions): Promise<ServerDouble> {
  const contextWindow = options.contextWindow ?? 128_000;
  return startDouble((request, log) => {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return {
        status: 401,
        body: {
          error: {
            message: 'Incorrect API key provided.',
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
      };
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return {
        status: 404,
        body: { error: { message: 'Not found', type: 'invalid_request_error', param: null, code: null } },
      };
    }
    const body = request.body ?? {};
    const wantLogprobs = body.logprobs === true;
    if ((wantLogprobs || body.top_logprobs !== undefined) && options.logprobs === false) {
      return invalid(
        `This model does not support the 'logprobs' parameter.`,
        'logprobs',
        'unsupported_parameter',
      );
    }
    const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    if (top > 20) {
      return invalid(
        `Invalid 'top_logprobs': integer above maximum value. Expected a value <= 20, but got ${top} instead.`,
        'top_logprobs',
        'integer_above_max_value',
      );
    }
    const prompt = llama3Template(messagesOf(body));
    log.prompt = prompt;
    const tokens = tokenize(prompt).length;
    if (tokens > contextWindow) {
      return invalid(
        `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
        'messages',
        'context_length_exceeded',
      );
    }
    const out = generate(
      options.belief,
      prompt,
      typeof body.max_tokens === 'number' ? body.max_tokens : 4096,
    );
    const entry = (c: { token: string; logprob: number }) => ({
      token: c.token,
      logprob: c.logprob,
      bytes: utf8Bytes(c.token),
    });
    return {
      status: 200,
      body: {
        id: 'chatcmpl-abc',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: String(body.model ?? ''),
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: out.text, refusal: null, annotations: [] },
            logprobs: wantLogprobs
              ? {
                  content: out.steps.map((s) => ({
                    ...entry(s),
                    top_logprobs: s.top.slice(0, top).map(entry),
                  })),
                  refusal: null,
                }
              : null,
            finish_reason: out.finish,
          },
        ],
        usage: {
          prompt_tokens: tokens,
          completion_tokens: out.steps.length,
          total_tokens: tokens + out.steps.length,
        },
      },
    };
  });
}
