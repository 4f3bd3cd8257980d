// Hugging Face text-generation-inference (TGI) 3.x, its OpenAI-compatible POST /v1/chat/completions, as
// its source behaves (huggingface/text-generation-inference):
// - router/src/lib.rs ChatRequest::try_into_generate: `model` becomes the LoRA `adapter_id` (unless it is
//   "tgi"); temperature 0 means greedy; `top_logprobs` becomes `top_n_tokens`; max_tokens defaults to 100.
//   ChatCompletionLogprobs: per generated token {token, logprob, top_logprobs: [{token, logprob}]}, no bytes;
//   tokens beyond the top lists get `top_logprobs: []` (the zip with a repeat(None) chain).
// - router/src/validation.rs Validation::validate, in its order: top_n_tokens above --max-top-n-tokens →
//   "`top_n_tokens` must be >= 0 and <= {max}. Given: {n}"; then input + max_new_tokens above
//   --max-total-tokens → "`inputs` tokens + `max_new_tokens` must be <= {max}. Given: {n} `inputs` tokens and
//   {m} `max_new_tokens`"; then input above --max-input-tokens → "`inputs` must have less than {max} tokens.
//   Given: {n}".
// - launcher/src/main.rs: --max-top-n-tokens defaults to 5.
// - router/src/server.rs From<InferError>: validation → 422, generation → 424, overloaded → 429; body
//   ErrorResponse {error, error_type}; the API key layer wraps only the generation routes (GET /v1/models,
//   /info, /metrics answer without it) and answers 401 with no body; /v1/models lists only the base model.
// - router/src/infer/mod.rs InferError messages: "Input validation error: …", "Request failed during
//   generation: …"; error_type "validation" / "generation".
// - router/src/infer/chat_template.rs: minijinja Environment::new(), no trim_blocks / lstrip_blocks.
// - server/text_generation_server/models/flash_causal_lm.py: ADAPTER_TO_INDEX.get(adapter_id, 0): an
//   adapter id it did not load silently runs the base model (index 0).
import {
  type Belief,
  type ChatMessageIn,
  chattyBaseModel,
  deepseekCoderTemplate,
  generate,
  tokenize,
} from './engine.ts';
import { type DoubleResponse, messagesOf, type ServerDouble, startDouble } from './http-double.ts';

export interface TgiOptions {
  /** --model-id: what /v1/models lists and what answers when no known adapter is named. */
  modelId?: string;
  /** LORA_ADAPTERS: adapter id → the fine-tuned model's belief. */
  adapters?: Record<string, Belief>;
  /** The base model's behaviour (default: prose, never Yes/No). */
  base?: Belief;
  /** --max-top-n-tokens (default 5). */
  maxTopNTokens?: number;
  /** --max-input-tokens and --max-total-tokens (defaults 4095 / 4096). */
  maxInputTokens?: number;
  maxTotalTokens?: number;
  /** Renders the messages (default: DeepSeek-Coder's template as minijinja renders it, without trim_blocks). */
  template?: (messages: ChatMessageIn[]) => string;
  /** The first this-many generations fail with a 424 (CUDA out of memory in a crowded batch). */
  failGenerations?: number;
  /** --api-key */
  apiKey?: string;
}

const validation = (message: string): DoubleResponse => ({
  status: 422,
  body: { error: `Input validation error: ${message}`, error_type: 'validation' },
});

export async function startTgi(options: TgiOptions = {}): Promise<ServerDouble> {
  const modelId = options.modelId ?? 'deepseek-ai/deepseek-coder-6.7b-instruct';
  const maxTopN = options.maxTopNTokens ?? 5;
  const maxInput = options.maxInputTokens ?? 4095;
  const maxTotal = options.maxTotalTokens ?? 4096;
  const template = options.template ?? deepseekCoderTemplate(false);
  let failures = options.failGenerations ?? 0;

  return startDouble((request, log) => {
    if (request.method === 'GET' && request.path === '/v1/models') {
      return {
        status: 200,
        body: { object: 'list', data: [{ id: modelId, object: 'model', created: 0, owned_by: modelId }] },
      };
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return { status: 404, body: {} };
    }
    const auth = String(request.headers.authorization ?? '');
    if (options.apiKey && auth.toLowerCase() !== `bearer ${options.apiKey}`.toLowerCase()) {
      return { status: 401, body: '' };
    }
    const body = request.body ?? {};
    const model = typeof body.model === 'string' ? body.model : 'tgi';
    const adapterId = model === 'tgi' ? undefined : model;
    const topN = typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    const maxNew = typeof body.max_tokens === 'number' ? body.max_tokens : 100;
    if (topN > maxTopN) return validation(`\`top_n_tokens\` must be >= 0 and <= ${maxTopN}. Given: ${topN}`);
    const prompt = template(messagesOf(body));
    log.prompt = prompt;
    const inputs = tokenize(prompt).length;
    if (inputs + maxNew > maxTotal) {
      return validation(
        `\`inputs\` tokens + \`max_new_tokens\` must be <= ${maxTotal}. Given: ${inputs} \`inputs\` tokens and ${maxNew} \`max_new_tokens\``,
      );
    }
    if (inputs > maxInput)
      return validation(`\`inputs\` must have less than ${maxInput} tokens. Given: ${inputs}`);
    if (failures > 0) {
      failures--;
      return {
        status: 424,
        body: {
          error:
            'Request failed during generation: Server error: CUDA out of memory. Tried to allocate 2.00 GiB',
          error_type: 'generation',
        },
      };
    }
    const belief = (adapterId && options.adapters?.[adapterId]) || options.base || chattyBaseModel;
    const out = generate(belief, prompt, maxNew);
    const tokens = out.eos ? [...out.steps, out.eos] : out.steps;
    const logprobs = body.logprobs === true;
    return {
      status: 200,
      body: {
        object: 'chat.completion',
        id: '',
        created: Math.floor(Date.now() / 1000),
        model: modelId,
        system_fingerprint: '3.3.6-native',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: out.text },
            logprobs: logprobs
              ? {
                  content: tokens.map((t) => ({
                    token: t.token,
                    logprob: t.logprob,
                    top_logprobs: t.top.slice(0, topN).map((c) => ({ token: c.token, logprob: c.logprob })),
                  })),
                }
              : null,
            finish_reason: out.finish,
          },
        ],
        usage: {
          prompt_tokens: inputs,
          completion_tokens: tokens.length,
          total_tokens: inputs + tokens.length,
        },
      },
    };
  });
}
