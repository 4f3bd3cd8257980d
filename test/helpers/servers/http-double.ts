// Loopback plumbing for the per-server doubles: a node:http server on 127.0.0.1, JSON in and out, and a log
// of every request (parsed body and what the double rendered), so tests can check what was sent.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface DoubleRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when there was none or it did not parse). */
  body?: Record<string, unknown>;
}

export interface DoubleResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface LoggedRequest extends DoubleRequest {
  status: number;
  /** The prompt the double rendered from the messages, when it got that far. */
  prompt?: string;
}

export interface ServerDouble {
  /** Base URL with /v1, as a user would configure it. */
  readonly url: string;
  /** Scheme, host and port only (for routes outside /v1). */
  readonly origin: string;
  readonly requests: LoggedRequest[];
  /** Chat-completion requests only. */
  chats(): LoggedRequest[];
  close(): Promise<void>;
}

export type Handler = (
  request: DoubleRequest,
  log: LoggedRequest,
) => DoubleResponse | Promise<DoubleResponse>;

export async function startDouble(handler: Handler): Promise<ServerDouble> {
  const requests: LoggedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      let body: Record<string, unknown> | undefined;
      try {
        body = chunks.length
          ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body)
          : undefined;
      } catch {
        body = undefined;
      }
      const request: DoubleRequest = {
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0]!,
        headers: req.headers,
        ...(body ? { body } : {}),
      };
      const log: LoggedRequest = { ...request, status: 0 };
      requests.push(log);
      let answer: DoubleResponse;
      try {
        answer = await handler(request, log);
      } catch (error) {
        answer = { status: 500, body: { error: `double failed: ${String(error)}` } };
      }
      log.status = answer.status;
      if (res.destroyed) return;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      // A string body goes out as it is (TGI's 401 has an empty one); anything else as JSON.
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
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
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    chats: () => requests.filter((r) => r.path === '/v1/chat/completions'),
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Messages of a chat request, as the servers read them (string contents only: all vulnreview sends). */
export function messagesOf(
  body: Record<string, unknown> | undefined,
): Array<{ role: string; content: string }> {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  return messages.map((m) => ({
    role: String((m as { role?: unknown }).role ?? ''),
    content: String((m as { content?: unknown }).content ?? ''),
  }));
}

export const utf8Bytes = (text: string): number[] => [...Buffer.from(text, 'utf8')];
