// A real OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks of anything that
// talks to a model endpoint. It speaks the subset vulnreview uses (POST /v1/chat/completions with
// max_tokens, temperature, logprobs, top_logprobs; GET /v1/models) and can be told, per request, what to
// answer and which fault to inject. Every request is logged with timestamps, so tests can check retry
// waits and concurrency from the server's side instead of timing themselves.
//
//   const server = await startModelServer({ reply: ({ index }) => (index === 0 ? status(429, { retryAfter: '1' }) : answer('Yes')) });
//   ... createEndpointBackend({ baseUrl: server.url, ... }) ...
//   await server.close();
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  logprobs?: boolean;
  top_logprobs?: number;
  [key: string]: unknown;
}

/** What the server does with one chat request. */
export type Reply =
  /**
   * A completion. `pYes` shapes the first token's top logprobs (default 0.9 for a yes answer, 0.1 for no);
   * `topLogprobs` caps the alternatives sent whatever was asked (0: the chosen token only, as TGI does).
   */
  | {
      kind: 'answer';
      text: string;
      pYes?: number;
      logprobs?: boolean;
      topLogprobs?: number;
      latencyMs?: number;
    }
  /** An error status with an OpenAI-style error body; `retryAfter` becomes the Retry-After header. */
  | { kind: 'error'; status: number; message?: string; retryAfter?: string; latencyMs?: number }
  /** The connection is destroyed without an answer. */
  | { kind: 'reset'; latencyMs?: number }
  /** 200 with a JSON content type and a truncated body. */
  | { kind: 'malformed'; latencyMs?: number }
  /** Never answers (the connection stays open until the client gives up or the server closes). */
  | { kind: 'hang' };

export interface ChatRequest {
  /** 0-based count of chat requests so far, this one included: lets a reply script "fail, then succeed". */
  index: number;
  body: ChatRequestBody;
  headers: IncomingHttpHeaders;
}

export interface RequestRecord {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body of a chat request (undefined for other requests or unparsable bodies). */
  body?: ChatRequestBody;
  /** Date.now() when the whole request had arrived, and when its answer ended or its connection closed. */
  receivedAt: number;
  finishedAt?: number;
  /** The reply kind, or what the server did instead ('models', 'unauthorized', 'rejected-logprobs', 'not-found'). */
  outcome: Reply['kind'] | 'models' | 'unauthorized' | 'rejected-logprobs' | 'not-found' | 'bad-request';
}

export interface ModelServerOptions {
  /** Decides each chat request's reply; default: answer 'No'. */
  reply?: (request: ChatRequest) => Reply | Promise<Reply>;
  /** 'on': logprobs when asked (default); 'off': the parameter is ignored; 'reject': 400 when it is sent. */
  logprobs?: 'on' | 'off' | 'reject';
  /** Latency for replies that name none, in ms (default 0). */
  latencyMs?: number;
  /** Served by GET /v1/models (default ['test-model']). */
  models?: string[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401 whose message echoes what they sent. */
  apiKey?: string;
}

export interface ModelServer {
  /** Base URL to give a client, e.g. http://127.0.0.1:41234/v1 */
  readonly url: string;
  /** Every request received, in arrival order. */
  readonly requests: RequestRecord[];
  /** Chat-completion requests only. */
  chatRequests(): RequestRecord[];
  /** Chat requests being answered right now, and the most there ever were at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Replaces the reply function (the chat request index keeps counting). */
  setReply(reply: ModelServerOptions['reply']): void;
  /** Forgets the request log, the counters and the high-water mark. */
  reset(): void;
  close(): Promise<void>;
}

export const answer = (
  text: string,
  extra: Omit<Extract<Reply, { kind: 'answer' }>, 'kind' | 'text'> = {},
): Reply => ({
  kind: 'answer',
  text,
  ...extra,
});

export const status = (
  code: number,
  extra: Omit<Extract<Reply, { kind: 'error' }>, 'kind' | 'status'> = {},
): Reply => ({
  kind: 'error',
  status: code,
  ...extra,
});

/** Replies in turn by chat request index; the last one repeats. */
export function sequence(...replies: Reply[]): (request: ChatRequest) => Reply {
  return ({ index }) => replies[Math.min(index, replies.length - 1)]!;
}

/** The code inside the user message's fence, or '' (lets a reply depend on the function asked about). */
export function codeOf(body: ChatRequestBody): string {
  const user = body.messages?.find((m) => m.role === 'user')?.content ?? '';
  const match = /(`{3,})[^\n]*\n([\s\S]*?)\n\1/.exec(user);
  return match?.[2] ?? '';
}

// Words, numbers and single punctuation marks, each with its leading whitespace: close enough to a real
// tokenizer for max_tokens truncation and per-token logprobs.
function tokenize(text: string): string[] {
  return text.match(/\s*(?:[A-Za-z]+|\d+|[^\sA-Za-z\d])/g) ?? [];
}

function topFor(
  token: string,
  first: boolean,
  pYes: number | undefined,
): Array<{ token: string; logprob: number }> {
  const word = token.trim().toLowerCase();
  if (first && (word === 'yes' || word === 'no')) {
    const p = Math.min(Math.max(pYes ?? (word === 'yes' ? 0.9 : 0.1), 1e-6), 1 - 1e-6);
    return [
      { token: 'Yes', logprob: Math.log(p * 0.8) },
      { token: ' yes', logprob: Math.log(p * 0.2) },
      { token: 'No', logprob: Math.log((1 - p) * 0.8) },
      { token: ' no', logprob: Math.log((1 - p) * 0.2) },
    ].sort((a, b) => b.logprob - a.logprob);
  }
  return [
    { token, logprob: -0.05 },
    { token: '\n', logprob: -3.5 },
  ];
}

function completion(body: ChatRequestBody, reply: Extract<Reply, { kind: 'answer' }>, withLogprobs: boolean) {
  const tokens = tokenize(reply.text);
  const limit = body.max_tokens ?? body.max_completion_tokens ?? tokens.length;
  const emitted = tokens.slice(0, limit);
  const content = emitted.map((token, i) => {
    const top = topFor(token, i === 0, reply.pYes);
    const chosen = top.find((t) => t.token.trim().toLowerCase() === token.trim().toLowerCase()) ?? top[0]!;
    return {
      token,
      logprob: chosen.logprob,
      bytes: [...Buffer.from(token)],
      top_logprobs: top.slice(
        0,
        Math.min(body.top_logprobs ?? 0, reply.topLogprobs ?? Number.POSITIVE_INFINITY),
      ),
    };
  });
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'test-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: emitted.join('') },
        logprobs: withLogprobs ? { content } : null,
        finish_reason: tokens.length > emitted.length ? 'length' : 'stop',
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: emitted.length, total_tokens: 10 + emitted.length },
  };
}

function sendJson(
  res: ServerResponse,
  code: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  res.writeHead(code, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

const errorBody = (message: string, type: string) => ({ error: { message, type, param: null, code: null } });

export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  let reply = options.reply ?? (() => answer('No'));
  const logprobsMode = options.logprobs ?? 'on';
  const requests: RequestRecord[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let chatIndex = 0;
  let inFlight = 0;
  let maxInFlight = 0;

  const after = (ms: number, fn: () => void) => {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  async function handleChat(req: IncomingMessage, res: ServerResponse, record: RequestRecord, raw: string) {
    let body: ChatRequestBody;
    try {
      body = JSON.parse(raw) as ChatRequestBody;
      record.body = body;
    } catch {
      record.outcome = 'bad-request';
      return sendJson(res, 400, errorBody('request body is not JSON', 'invalid_request_error'));
    }
    if (logprobsMode === 'reject' && (body.logprobs !== undefined || body.top_logprobs !== undefined)) {
      record.outcome = 'rejected-logprobs';
      return sendJson(
        res,
        400,
        errorBody('logprobs is not supported by this server', 'invalid_request_error'),
      );
    }
    const chosen = await reply({ index: chatIndex++, body, headers: req.headers });
    record.outcome = chosen.kind;
    if (chosen.kind === 'hang') return;
    after(chosen.latencyMs ?? options.latencyMs ?? 0, () => {
      switch (chosen.kind) {
        case 'answer': {
          const withLogprobs = body.logprobs === true && logprobsMode === 'on' && chosen.logprobs !== false;
          return sendJson(res, 200, completion(body, chosen, withLogprobs));
        }
        case 'error': {
          const headers: Record<string, string> = chosen.retryAfter
            ? { 'retry-after': chosen.retryAfter }
            : {};
          return sendJson(
            res,
            chosen.status,
            errorBody(chosen.message ?? `injected ${chosen.status}`, 'server_error'),
            headers,
          );
        }
        case 'reset':
          return req.socket.destroy();
        case 'malformed':
          if (res.destroyed) return;
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"id": "chatcmpl-broken", "choices": [ {"message": ');
      }
    });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const record: RequestRecord = {
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        receivedAt: Date.now(),
        outcome: 'not-found',
      };
      requests.push(record);
      const isChat = req.method === 'POST' && path.endsWith('/chat/completions');
      if (isChat) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      }
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        record.finishedAt = Date.now();
        if (isChat) inFlight--;
      };
      res.on('finish', finish);
      res.on('close', finish);

      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        record.outcome = 'unauthorized';
        const sent = req.headers.authorization?.replace(/^Bearer /, '') ?? '(none)';
        return sendJson(res, 401, errorBody(`Incorrect API key provided: ${sent}`, 'invalid_request_error'));
      }
      if (req.method === 'GET' && path.endsWith('/models')) {
        record.outcome = 'models';
        const data = (options.models ?? ['test-model']).map((id) => ({
          id,
          object: 'model',
          owned_by: 'test',
        }));
        return sendJson(res, 200, { object: 'list', data });
      }
      if (!isChat) return sendJson(res, 404, errorBody(`no route for ${req.method} ${path}`, 'not_found'));
      handleChat(req, res, record, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) =>
        sendJson(res, 500, errorBody(`reply function failed: ${String(error)}`, 'server_error')),
      );
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.path.endsWith('/chat/completions')),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setReply(next) {
      reply = next ?? (() => answer('No'));
    },
    reset() {
      requests.length = 0;
      chatIndex = 0;
      maxInFlight = inFlight;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Settings of a server run on its own thread: plain data, since functions cannot cross threads. */
export interface ThreadedModelServerOptions {
  latencyMs?: number;
  logprobs?: 'on' | 'off' | 'reject';
  /** Regular expression source: 'Yes' when the fenced code matches it, else 'No'. */
  yesWhenCodeMatches?: string;
}

export interface ThreadedModelServer {
  readonly url: string;
  /** Chat requests answered and the most in flight at once, since start or the last reset. */
  stats(): Promise<{ chatRequests: number; maxInFlight: number }>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

type ThreadMessage = { id: number; op: 'stats' | 'reset' | 'close' };

/**
 * The same server on a worker thread, so its work does not share the event loop with the client under
 * measurement (benchmarks: a real endpoint runs elsewhere too).
 */
export async function startModelServerThread(
  options: ThreadedModelServerOptions = {},
): Promise<ThreadedModelServer> {
  const self = import.meta.url;
  // Running from TypeScript source (tests, benchmarks), the worker registers the TypeScript loader before
  // it imports this file; a worker does not inherit the loader of the thread that starts it.
  const tsx = pathToFileURL(
    createRequire(self)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  const bootstrap = self.endsWith('.ts')
    ? `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(self)}); });`
    : `import(${JSON.stringify(self)});`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { modelServerThread: options } });
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (message: { url: string }) => resolve(message.url));
  });
  worker.on('message', (message: { id: number; result: unknown }) =>
    pending.get(message.id)?.(message.result),
  );
  const call = <T>(op: ThreadMessage['op']) =>
    new Promise<T>((resolve) => {
      const id = nextId++;
      pending.set(id, (value) => {
        pending.delete(id);
        resolve(value as T);
      });
      worker.postMessage({ id, op } satisfies ThreadMessage);
    });
  return {
    url,
    stats: () => call('stats'),
    reset: () => call('reset'),
    async close() {
      await call('close');
      await worker.terminate();
    },
  };
}

async function serveOnThisThread(options: ThreadedModelServerOptions): Promise<void> {
  const pattern =
    options.yesWhenCodeMatches === undefined ? undefined : new RegExp(options.yesWhenCodeMatches);
  const server = await startModelServer({
    latencyMs: options.latencyMs,
    logprobs: options.logprobs,
    reply: ({ body }) => answer(pattern?.test(codeOf(body)) ? 'Yes' : 'No'),
  });
  parentPort!.on('message', async ({ id, op }: ThreadMessage) => {
    let result: unknown;
    if (op === 'stats')
      result = { chatRequests: server.chatRequests().length, maxInFlight: server.maxInFlight };
    else if (op === 'reset') server.reset();
    else await server.close();
    parentPort!.postMessage({ id, result });
  });
  parentPort!.postMessage({ url: server.url });
}

const threadOptions = (workerData as { modelServerThread?: ThreadedModelServerOptions } | null)
  ?.modelServerThread;
if (!isMainThread && threadOptions) void serveOnThisThread(threadOptions);
