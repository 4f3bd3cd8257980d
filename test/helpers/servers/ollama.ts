// Ollama's OpenAI compatibility layer, POST /v1/chat/completions, as its source behaves (ollama/ollama):
// - openai/openai.go ChatCompletionRequest / FromChatRequest: max_tokens → num_predict, temperature →
//   options; `logprobs` / `top_logprobs` are passed on (since v0.12.11; earlier versions have no such fields
//   and drop them); there is no field for num_ctx: the context is the model's (Modelfile `PARAMETER
//   num_ctx`) or the server's (OLLAMA_CONTEXT_LENGTH, docs/context-length.mdx: 4k by default below 24 GiB
//   of VRAM). Answers carry `logprobs: {content: [{token, logprob, bytes, top_logprobs: [{token, logprob,
//   bytes}]}]}` (api.Logprob).
// - server/routes.go ChatHandler: top_logprobs outside 0..20 → 400 "top_logprobs must be between 0 and 20".
// - middleware/openai.go BaseWriter.writeError: the error goes out as {"error": {message, type:
//   "invalid_request_error" (400) / "api_error", param: null, code: null}} with the handler's status.
// - runner/llamarunner/runner.go NewSequence: a prompt longer than num_ctx keeps its first num_keep tokens
//   and its last ones and drops the middle ("truncating input prompt" in the server log), then answers 200
//   as if nothing happened.
import { type Belief, type ChatMessageIn, generate, llama3Template, tokenize } from './engine.ts';
import { type DoubleResponse, messagesOf, type ServerDouble, startDouble, utf8Bytes } from './http-double.ts';

export interface OllamaOptions {
  belief: Belief;
  /** The model's num_ctx (Modelfile) or OLLAMA_CONTEXT_LENGTH; default 4096. */
  numCtx?: number;
  /** num_keep: tokens kept at the start when the prompt is cut; the server logs keep=4. */
  numKeep?: number;
  /** 'v0.12.11+' (default) answers logprobs; 'older' drops the fields. */
  version?: 'v0.12.11+' | 'older';
  template?: (messages: ChatMessageIn[]) => string;
}

const openaiError = (status: number, message: string): DoubleResponse => ({
  status,
  body: {
    error: { message, type: status === 400 ? 'invalid_request_error' : 'api_error', param: null, code: null },
  },
});

export interface OllamaDouble {
  /** What the server logged as warnings (e.g. "truncating input prompt"), as its log would show them. */
  readonly warnings: string[];
}

export async function startOllama(options: OllamaOptions): Promise<ServerDouble & OllamaDouble> {
  const numCtx = options.numCtx ?? 4096;
  const numKeep = options.numKeep ?? 4;
  const template = options.template ?? llama3Template;
  const warnings: string[] = [];

  const server: ServerDouble = await startDouble((request, log) => {
    if (request.method === 'GET' && request.path === '/v1/models') {
      return {
        status: 200,
        body: { object: 'list', data: [{ id: 'vuln-llama3:latest', object: 'model', owned_by: 'library' }] },
      };
    }
    if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
      return openaiError(404, '404 page not found');
    }
    const body = request.body ?? {};
    const recent = (options.version ?? 'v0.12.11+') === 'v0.12.11+';
    const topLogprobs = recent && typeof body.top_logprobs === 'number' ? body.top_logprobs : 0;
    if (topLogprobs < 0 || topLogprobs > 20) return openaiError(400, 'top_logprobs must be between 0 and 20');
    const rendered = template(messagesOf(body));
    let pieces = tokenize(rendered);
    if (pieces.length > numCtx) {
      const discard = pieces.length - numCtx;
      const kept = [...pieces.slice(0, numKeep), ...pieces.slice(numKeep + discard)];
      warnings.push(
        `level=WARN msg="truncating input prompt" limit=${numCtx} prompt=${pieces.length} keep=${numKeep} new=${kept.length}`,
      );
      pieces = kept;
    }
    const prompt = pieces.join('');
    log.prompt = prompt;
    const numPredict = typeof body.max_tokens === 'number' ? body.max_tokens : -1;
    const out = generate(options.belief, prompt, numPredict < 0 ? numCtx : numPredict);
    const wantLogprobs = recent && body.logprobs === true;
    const entry = (c: { token: string; logprob: number }) => ({
      token: c.token,
      logprob: c.logprob,
      bytes: utf8Bytes(c.token),
    });
    return {
      status: 200,
      body: {
        id: 'chatcmpl-123',
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: String(body.model ?? ''),
        system_fingerprint: 'fp_ollama',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: out.text },
            finish_reason: out.finish,
            ...(wantLogprobs
              ? {
                  logprobs: {
                    content: out.steps.map((s) => ({
                      ...entry(s),
                      ...(topLogprobs > 0 ? { top_logprobs: s.top.slice(0, topLogprobs).map(entry) } : {}),
                    })),
                  },
                }
              : {}),
          },
        ],
        usage: {
          prompt_tokens: pieces.length,
          completion_tokens: out.steps.length,
          total_tokens: pieces.length + out.steps.length,
        },
      },
    };
  });
  return Object.assign(server, { warnings });
}
