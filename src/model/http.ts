// The endpoint client's transport: JSON over node:http / node:https with keep-alive sockets. Deliberately
// small. Measured in bench/model.md: global fetch (undici, which the `openai` package sits on) cost two to
// four times the CPU per request of node:http here, and at 16 requests in flight the client's CPU is
// what stands between the pool and the server's own latency.
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Whole exchange, from connecting to the last byte of the answer. */
  timeoutMs: number;
  signal?: AbortSignal;
}

/** No complete answer within the timeout. */
export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
    this.name = 'HttpTimeoutError';
  }
}

/** The connection failed or broke (refused, reset, closed early). */
export class HttpConnectionError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'HttpConnectionError';
  }
}

/** The caller's signal aborted the request. */
export class HttpAbortError extends Error {
  constructor() {
    super('request cancelled');
    this.name = 'HttpAbortError';
  }
}

/** Answers above this are refused rather than buffered: a verdict is a few hundred bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** One keep-alive connection pool per client, closed with it. */
export class JsonHttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });

  request(url: URL, options: RequestOptions): Promise<HttpResponse> {
    const isHttps = url.protocol === 'https:';
    const transport = isHttps ? https : http;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    return new Promise<HttpResponse>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new HttpAbortError());
      let settled = false;
      const settle = (error: Error | undefined, response?: HttpResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          request.destroy();
          reject(error);
        } else resolve(response!);
      };
      const onAbort = () => settle(new HttpAbortError());
      const timer = setTimeout(() => settle(new HttpTimeoutError(options.timeoutMs)), options.timeoutMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });

      const request = transport.request(
        url,
        { method: options.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) {
              settle(new HttpConnectionError(`answer larger than ${MAX_BODY_BYTES} bytes`));
            } else chunks.push(chunk);
          });
          response.on('end', () =>
            settle(undefined, {
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('close', () => {
            if (!response.complete) settle(new HttpConnectionError('connection closed mid-answer'));
          });
          response.on('error', (error: NodeJS.ErrnoException) =>
            settle(new HttpConnectionError(error.message, error.code)),
          );
        },
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        settle(new HttpConnectionError(error.message, error.code)),
      );
      request.end(options.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** `{base}/{path}` whether or not the base ends in a slash; keeps the base's query (e.g. Azure's api-version). */
export function endpointUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path}`;
  return url;
}
