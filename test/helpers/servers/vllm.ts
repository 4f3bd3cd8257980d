// vLLM's OpenAI-compatible server (`vllm serve`), POST /v1/chat/completions, as its source behaves
// (vllm-project/vllm):
// - vllm/entrypoints/openai/protocol.py ChatCompletionRequest: `logprobs`, `top_logprobs`, and the per-request
//   `return_tokens_as_token_ids` (None: the server's --return-tokens-as-token-ids decides).
// - vllm/entrypoints/openai/serving_engine.py: an unknown model (neither --served-model-name nor a
//   --lora-modules name) is a 404 "The model `x` does not exist."; _validate_input refuses a prompt at or over
//   --max-model-len with "This model's maximum context length is N tokens. However, your request has M input
//   tokens. Please reduce the length of the input messages." and one that leaves no room for max_tokens with
//   "'max_tokens' or 'max_completion_tokens' is too large: X. This model's maximum context length is N tokens
//   and your request has M input tokens (X > N - M)."; _get_decoded_token spells a token `token_id:{id}` when
//   asked to return tokens as ids.
// - vllm/v1/engine/processor.py: _validate_logprobs refuses top_logprobs above --max-logprobs (default 20)
//   with "Requested sample logprobs of K, which is greater than max allowed: M"; _validate_model_input
//   refuses "The decoder prompt (length N) is longer than the maximum model length of M. …" (the engine's
//   own check, which newer releases reach without the serving layer's).
// - vllm/entrypoints/openai/serving_chat.py _get_top_logprobs / _create_chat_logprobs: each entry
//   {token, logprob: max(logprob, -9999.0), bytes: UTF-8 of the token string}, so in token-id mode the bytes
//   spell "token_id:9642" too; the message content is still decoded text.
// - Errors: 400 {"error": {"message", "type": "BadRequestError", "param", "code": 400}}.
// - The API key middleware (AuthenticationMiddleware) checks only paths under /v1.
// Prompts are rendered by transformers' apply_chat_template (jinja2 with trim_blocks / lstrip_blocks).
import { type Belief, type ChatMessageIn, generate, llama3Template, tokenize } from './engine.ts';
import { type DoubleResponse, messagesOf, type ServerDouble, startDouble, utf8Bytes } from './http-double.ts';

export interface VllmOptions {
  /** --served-model-name and what it believes (the merged model, or the base when adapters are used). */
  servedModelName?: string;
  base?: Belief;
  /** --lora-modules name=path → the adapter's belief. */
  loras?: Record<string, Belief>;
  /** --max-logprobs (default 20). */
  maxLogprobs?: number;
  /** --max-model-len (default 8192). */
  maxModelLen?: number;
  /** Which layer refuses an over-long prompt: the serving layer's wording (default) or the engine's. */
  contextCheck?: 'serving' | 'engine';
  /** --return-tokens-as-token-ids */
  returnTokensAsTokenIds?: boolean;
  /** false: a build whose request schema ignores `return_tokens_as_token_ids` (unknown fields are dropped). */
  perRequestTokenIdSwitch?: boolean;
  template?: (messages: ChatMessageIn[]) => string;
  /** --api-key */
  apiKey?: string;
}

const badRequest = (message: string, param: string | null = null): DoubleResponse => ({
  status: 400,
  body: { error: { message, type: 'BadRequestError', param, code: 400 } },
});

export async function startVllm(options: VllmOptions = {}): Promise<ServerDouble> {
  const served = options.servedModelName ?? 'meta-llama/Meta-Llama-3-8B-Instruct';
  const maxLogprobs = options.maxLogprobs ?? 20;
  const maxModelLen = options.maxModelLen ?? 8192;
  const template = options.template ?? llama3Template;

  return startDouble((request, log) => {
    if (options.apiKey && request.path.startsWith('/v1')) {
      if (request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return { status: 401, body: { error: 'Unauthorized' } };
      }
    }
    if (request.method === 'GET' && request.path === '/v1/models') {
      const data = [served, ...Object.keys(options.loras ?? {})].map((id) => ({
        id,
        object: 'model',
        owned_by: 'vllm',
        ...(id === served ? {} : { parent: served }),
      }));
      return { status: 200, body: { object: 'list', data } };
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return { status: 404, body: { detail: 'Not Found' } };
    }
    const body = request.body ?? {};
    const model = String(body.model ?? served);
    const belief = model === served ? options.base : options.loras?.[model];
    if (!belief) {
      return {
        status: 404,
        body: {
          error: {
            message: `The model \`${model}\` does not exist.`,
            type: 'NotFoundError',
            param: 'model',
            code: 404,
          },
        },
      };
    }
    const prompt = template(messagesOf(body));
    log.prompt = prompt;
    const inputs = tokenize(prompt).length;
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : maxModelLen - inputs;
    if ((options.contextCheck ?? 'serving') === 'serving') {
      if (inputs >= maxModelLen) {
        return badRequest(
          `This model's maximum context length is ${maxModelLen} tokens. However, your request has ${inputs} input tokens. Please reduce the length of the input messages.`,
        );
      }
      if (maxTokens + inputs > maxModelLen) {
        return badRequest(
          `'max_tokens' or 'max_completion_tokens' is too large: ${maxTokens}. This model's maximum context length is ${maxModelLen} tokens and your request has ${inputs} input tokens (${maxTokens} > ${maxModelLen} - ${inputs}).`,
        );
      }
    }
    const wantLogprobs = body.logprobs === true;
    const top = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    if (wantLogprobs && top > maxLogprobs) {
      return badRequest(
        `Requested sample logprobs of ${top}, which is greater than max allowed: ${maxLogprobs}`,
      );
    }
    if (inputs > maxModelLen) {
      return badRequest(
        `The decoder prompt (length ${inputs}) is longer than the maximum model length of ${maxModelLen}. Make sure that \`max_model_len\` is no smaller than the number of text tokens.`,
      );
    }
    const perRequest =
      options.perRequestTokenIdSwitch === false
        ? undefined
        : (body.return_tokens_as_token_ids as boolean | undefined);
    const asIds = perRequest ?? options.returnTokensAsTokenIds ?? false;
    const spell = (token: string, id: number) => (asIds ? `token_id:${id}` : token);
    const out = generate(belief, prompt, maxTokens);
    return {
      status: 200,
      body: {
        id: `chatcmpl-${log.headers['x-request-id'] ?? Math.random().toString(36).slice(2)}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: out.text, tool_calls: [] },
            logprobs: wantLogprobs
              ? {
                  content: out.steps.map((s) => {
                    const token = spell(s.token, s.id);
                    return {
                      token,
                      logprob: Math.max(s.logprob, -9999),
                      bytes: utf8Bytes(token),
                      top_logprobs: s.top.slice(0, top).map((c) => {
                        const alt = spell(c.token, c.id);
                        return { token: alt, logprob: Math.max(c.logprob, -9999), bytes: utf8Bytes(alt) };
                      }),
                    };
                  }),
                }
              : null,
            finish_reason: out.finish,
            stop_reason: null,
          },
        ],
        usage: {
          prompt_tokens: inputs,
          completion_tokens: out.steps.length,
          total_tokens: inputs + out.steps.length,
        },
      },
    };
  });
}
