import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestError } from './scan-request.ts';

/** Headers on every answer: nothing is cached, sniffed, framed or sent on as a referrer. */
export const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The reference's error shape (`status`, `error`, `message`), `error` being a stable code. */
export function sendError(res: ServerResponse, error: RequestError): void {
  sendJson(res, error.status, { status: error.status, error: error.code, message: error.message }, error.headers);
}

/**
 * The request body as text, refused (413) past `limit` bytes: at once when
 * Content-Length says so, else as soon as the bytes read pass it. Only JSON
 * bodies are taken (415 otherwise).
 */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<string> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new RequestError(415, 'E_CONTENT_TYPE', 'send the body as JSON with `Content-Type: application/json`');
  // The rest of the body may still be arriving: the answer closes the connection rather than read it.
  const tooLarge = () => new RequestError(413, 'E_TOO_LARGE', `the body is larger than ${limit} bytes: a scan request only names a file and its MIME type`, { connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** At most `limit` requests (or connections) at once from one client address. */
export class ClientLimiter {
  readonly #limit: number;
  readonly #inFlight = new Map<string, number>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A release function, or undefined when the client is at its limit. */
  acquire(client: string): (() => void) | undefined {
    const count = this.#inFlight.get(client) ?? 0;
    if (count >= this.#limit) return undefined;
    this.#inFlight.set(client, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#inFlight.get(client) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(client);
      else this.#inFlight.set(client, left);
    };
  }
}
