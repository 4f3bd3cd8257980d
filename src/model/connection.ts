// Reaching an endpoint: request headers, keeping secrets out of messages, the URL as it may be shown,
// and listing the models it serves.
import { VERSION } from '../version.ts';
import { describeStatus, describeTransportError } from './failures.ts';
import { endpointUrl, JsonHttpClient } from './http.ts';

/** The base URL as it may be shown: without any user:password part. */
export function displayUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return baseUrl;
  }
}

/** User agent, the bearer token when there is a key, then the caller's extra headers. */
export function requestHeaders(
  apiKey: string | undefined,
  extra: Record<string, string> | undefined,
): Record<string, string> {
  return {
    'user-agent': `vulnreview/${VERSION}`,
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    ...extra,
  };
}

/** Returns a function that blanks the API key and secret-looking header values out of a text. */
export function scrubber(
  apiKey: string | undefined,
  headers: Record<string, string> | undefined,
): (text: string) => string {
  const secrets = [
    apiKey,
    ...Object.entries(headers ?? {})
      .filter(([name]) => /key|token|auth|secret|cookie/i.test(name))
      .map(([, value]) => value),
  ].filter((secret): secret is string => typeof secret === 'string' && secret.length >= 4);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * The first model the endpoint lists (GET {base}/models): vLLM, Ollama, llama.cpp server and TGI list the
 * served model, so `--model` may be left empty for a single-model server. Throws with a scrubbed message.
 */
export async function discoverModel(
  baseUrl: string,
  apiKey?: string,
  headers?: Record<string, string>,
  timeoutMs = 10_000,
): Promise<string | undefined> {
  const http = new JsonHttpClient();
  const scrub = scrubber(apiKey || undefined, headers);
  try {
    let response: Awaited<ReturnType<JsonHttpClient['request']>>;
    try {
      response = await http.request(endpointUrl(baseUrl, 'models'), {
        method: 'GET',
        headers: requestHeaders(apiKey || undefined, headers),
        timeoutMs,
      });
    } catch (error) {
      throw new Error(scrub(describeTransportError(error).message));
    }
    if (response.status < 200 || response.status >= 300)
      throw new Error(scrub(describeStatus(response).message));
    let parsed: { data?: Array<{ id?: unknown }> };
    try {
      parsed = JSON.parse(response.body);
    } catch (error) {
      // JSON.parse quotes the start of the body, which a server may have filled with our own headers.
      throw new Error(scrub(`the model list is not JSON (${(error as Error).message})`));
    }
    const id = parsed?.data?.[0]?.id;
    return typeof id === 'string' && id ? id : undefined;
  } finally {
    http.close();
  }
}
