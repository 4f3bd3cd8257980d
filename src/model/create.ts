// From the user's model settings (CLI flags / action inputs) to a Backend. `auto` uses the endpoint when
// one is configured and the offline rules otherwise, and says which it chose.
import type { Backend } from './backend.ts';
import { discoverModel, displayUrl } from './connection.ts';
import { createEndpointBackend } from './endpoint.ts';
import { ConfigError } from './errors.ts';
import { loadPrompt } from './prompts.ts';
import { createRulesBackend } from './rules/index.ts';

export { ConfigError } from './errors.ts';

export interface BackendOptions {
  backend?: 'auto' | 'endpoint' | 'rules';
  /** OpenAI-compatible base URL (`--endpoint` / `endpoint`). */
  endpoint?: string;
  /** Model or LoRA adapter name; empty: the first model the endpoint lists. */
  model?: string;
  apiKey?: string;
  /** 'pd-1' (default), 'pd-2' or a template file. */
  prompt?: string;
  /** Per request (`--timeout` / `timeout`). */
  timeoutSeconds?: number;
  headers?: Record<string, string>;
  /** Retries per request after the first attempt (default 3). */
  maxRetries?: number;
  /** Input token budget per function (default 6,000; estimated as characters ÷ 4). */
  maxInputTokens?: number;
  /**
   * What the endpoint backend learns during the run that changes what a confidence means (the server's
   * lower top_logprobs limit, logprobs refused or ignored, token ids): once each, to warn the user.
   */
  onNotice?: (message: string) => void;
}

function checkEndpointUrl(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // Not a URL, so no credentials can be told apart from the rest: do not repeat it.
    throw new ConfigError(
      '--endpoint / endpoint input: the value is not a URL (e.g. http://127.0.0.1:8000/v1)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `--endpoint / endpoint input: '${displayUrl(endpoint)}' must be an http:// or https:// URL`,
    );
  }
}

export async function createBackend(options: BackendOptions): Promise<{ backend: Backend; notice?: string }> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'endpoint' && choice !== 'rules') {
    throw new ConfigError(`--backend / backend input: '${choice}' is not one of auto, endpoint, rules`);
  }
  const endpoint = options.endpoint?.trim() || undefined;
  // What messages and notices show: never the user:password an endpoint URL may carry.
  const shown = endpoint ? displayUrl(endpoint) : '';

  if (choice === 'rules' || (choice === 'auto' && !endpoint)) {
    const backend = await createRulesBackend();
    if (choice === 'rules') {
      const notice = endpoint ? `backend 'rules' chosen: the endpoint ${shown} is not used` : undefined;
      return notice ? { backend, notice } : { backend };
    }
    return { backend, notice: 'no endpoint configured: using the offline rules backend' };
  }
  if (!endpoint) {
    throw new ConfigError(
      "backend 'endpoint' needs an endpoint URL: set --endpoint (CLI) or the endpoint input (action), e.g. http://127.0.0.1:8000/v1",
    );
  }
  checkEndpointUrl(endpoint);
  const timeoutSeconds = options.timeoutSeconds;
  if (timeoutSeconds !== undefined && !(timeoutSeconds > 0)) {
    throw new ConfigError(
      `--timeout / timeout input: must be a positive number of seconds, got ${timeoutSeconds}`,
    );
  }
  const prompt = loadPrompt(options.prompt?.trim() || 'pd-1');

  let model = options.model?.trim() || undefined;
  let notice: string | undefined;
  if (!model) {
    let listed: string | undefined;
    try {
      listed = await discoverModel(endpoint, options.apiKey, options.headers);
    } catch (error) {
      // discoverModel's message is already scrubbed of the key and secret headers.
      throw new ConfigError(
        `no model named and ${shown}/models could not be listed (${(error as Error).message}): set --model / the model input`,
      );
    }
    if (!listed)
      throw new ConfigError(`no model named and ${shown}/models lists none: set --model / the model input`);
    model = listed;
    notice = `no model named: using '${model}', the first model ${shown} lists`;
  }

  const backend = await createEndpointBackend({
    baseUrl: endpoint,
    model,
    apiKey: options.apiKey,
    headers: options.headers,
    prompt,
    timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000,
    maxRetries: options.maxRetries,
    maxInputTokens: options.maxInputTokens,
    onNotice: options.onNotice,
  });
  return notice ? { backend, notice } : { backend };
}
