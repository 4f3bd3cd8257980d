// llama.cpp's llama-server, POST /v1/chat/completions, as its source behaves (ggml-org/llama.cpp):
// - tools/server/server-common.cpp oaicompat_chat_params_parse: `logprobs: true` sets n_probs to
//   `top_logprobs` (default 20) with no ceiling; `top_logprobs` without `logprobs` is refused ("top_logprobs
//   requires logprobs to be set to true"); format_error_response: {code, message, type} with
//   invalid_request_error → 400, authentication_error → 401, exceed_context_size_error → 400.
// - tools/server/server-context.cpp: a prompt of n_ctx tokens or more (per slot) is refused with "request
//   (N tokens) exceeds the available context size (M tokens), try increasing it" (older builds: "input (N
//   tokens) is larger than the max context size (M tokens). skipping"), type exceed_context_size_error.
// - tools/server/server-task.cpp server_task_result_error::to_json adds n_prompt_tokens and n_ctx to that
//   error; completion_token_output::probs_vector_to_json gives each token {id, token, bytes, logprob,
//   top_logprobs: [{id, token, bytes, logprob}]}, log(0) as the lowest float.
// - common/chat.cpp common_chat_params_init_llama_3_x renders Llama-3.x templates with date_string = today
//   ("%d %b %Y"), where transformers leaves the template's default.
// - Builds before the OpenAI-compatible logprobs rework (PR #10783, Dec 2024) return no `logprobs` on
//   /v1/chat/completions.
// Errors go out as {"error": {...}} with the status of their type.
import { type Belief, type ChatMessageIn, generate, llama31Template, tokenize } from './engine.ts';
import { type DoubleResponse, messagesOf, type ServerDouble, startDouble, utf8Bytes } from './http-double.ts';

export interface LlamaCppOptions {
  belief: Belief;
  /** Context per slot (-c / --parallel), default 4096. */
  nCtx?: number;
  build?: 'current' | 'before-logprobs';
  template?: (messages: ChatMessageIn[]) => string;
  /** --api-key */
  apiKey?: string;
}

const error = (status: number, type: string, message: string, extra: object = {}): DoubleResponse => ({
  status,
  body: { error: { code: status, message, type, ...extra } },
});

/** Today as llama.cpp's format_time(now, "%d %b %Y") writes it, e.g. "07 Mar 2026". */
export function llamaCppToday(now = new Date()): string {
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return `${String(now.getUTCDate()).padStart(2, '0')} ${month} ${now.getUTCFullYear()}`;
}

export async function startLlamaCpp(options: LlamaCppOptions): Promise<ServerDouble> {
  const nCtx = options.nCtx ?? 4096;
  const template = options.template ?? llama31Template(llamaCppToday());
  const current = (options.build ?? 'current') === 'current';

  return startDouble((request, log) => {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return error(401, 'authentication_error', 'Invalid API Key');
    }
    if (request.method === 'GET' && request.path === '/v1/models') {
      return { status: 200, body: { object: 'list', data: [{ id: 'model.gguf', object: 'model' }] } };
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return error(404, 'not_found_error', 'File Not Found');
    }
    const body = request.body ?? {};
    const wantLogprobs = body.logprobs === true;
    if (!wantLogprobs && body.top_logprobs !== undefined && body.top_logprobs !== null) {
      return error(400, 'invalid_request_error', 'top_logprobs requires logprobs to be set to true');
    }
    const nProbs = wantLogprobs ? (typeof body.top_logprobs === 'number' ? body.top_logprobs : 20) : 0;
    const prompt = template(messagesOf(body));
    log.prompt = prompt;
    const nTokens = tokenize(prompt).length;
    if (nTokens >= nCtx) {
      const message = current
        ? `request (${nTokens} tokens) exceeds the available context size (${nCtx} tokens), try increasing it`
        : `input (${nTokens} tokens) is larger than the max context size (${nCtx} tokens). skipping`;
      return error(400, 'exceed_context_size_error', message, { n_prompt_tokens: nTokens, n_ctx: nCtx });
    }
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : -1;
    const out = generate(options.belief, prompt, maxTokens < 0 ? nCtx - nTokens : maxTokens);
    const entry = (c: { id: number; token: string; logprob: number }) => ({
      id: c.id,
      token: c.token,
      bytes: utf8Bytes(c.token),
      logprob: Number.isFinite(c.logprob) ? c.logprob : -3.4028234663852886e38,
    });
    return {
      status: 200,
      body: {
        choices: [
          {
            finish_reason: out.finish,
            index: 0,
            message: { role: 'assistant', content: out.text },
            ...(wantLogprobs && current
              ? {
                  logprobs: {
                    content: out.steps.map((s) => ({
                      ...entry(s),
                      top_logprobs: s.top.slice(0, nProbs).map(entry),
                    })),
                  },
                }
              : {}),
          },
        ],
        created: Math.floor(Date.now() / 1000),
        model: 'model.gguf',
        object: 'chat.completion',
        usage: {
          completion_tokens: out.steps.length,
          prompt_tokens: nTokens,
          total_tokens: nTokens + out.steps.length,
        },
        id: 'chatcmpl-llamacpp',
      },
    };
  });
}
