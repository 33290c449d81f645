/**
 * A client for a running clamd (its databases loaded once, for every file),
 * speaking the z-commands of clamd's socket protocol: each command ends with a
 * NUL and so does each answer. Files go by INSTREAM: 4-byte big-endian
 * length-prefixed chunks, a zero-length chunk to end, so clamd never opens a
 * path of ours (it may run as another user, or in another container).
 */
import fs from 'node:fs';
import net from 'node:net';

export type ClamdAddress = { socket: string } | { host: string; port: number };

/** What clamd said about one stream. */
export type StreamVerdict = { kind: 'clean' } | { kind: 'found'; signature: string } | { kind: 'limit' };

export interface ClamdOptions {
  connectTimeoutMs?: number;
  /** The longest clamd may take to answer once the stream is sent (archives take a while). */
  answerTimeoutMs?: number;
}

/** A file streamed in chunks: a buffer held in memory, or a regular file read through its descriptor. */
export type StreamSource = Buffer | { fd: number };

const CHUNK = 256 << 10;
/** An answer longer than this is not clamd's. */
const MAX_ANSWER = 64 << 10;

/** clamd cannot be reached, or failed on the stream: the caller falls back to clamscan. */
export class ClamdError extends Error {
  /** clamd closed the connection after taking it, before answering. */
  readonly hungUp: boolean;

  constructor(message: string, hungUp = false) {
    super(message);
    this.hungUp = hungUp;
  }
}

/** `SCAN_CLAMD`'s `tcp://HOST:PORT` or a Unix socket path. */
export function parseClamdAddress(value: string): ClamdAddress {
  const tcp = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(value);
  if (tcp) return { host: tcp[1]!.replace(/^\[|\]$/g, ''), port: Number(tcp[2]) };
  if (value.startsWith('tcp://')) throw new Error(`SCAN_CLAMD=${value}: give tcp://HOST:PORT`);
  return { socket: value };
}

export function describeAddress(address: ClamdAddress): string {
  return 'socket' in address ? address.socket : `tcp://${address.host}:${address.port}`;
}

/** Parses one INSTREAM answer (without its NUL); throws on clamd's other errors. */
export function parseStreamAnswer(answer: string): StreamVerdict {
  const text = answer.trim();
  if (/size limit exceeded/i.test(text)) return { kind: 'limit' };
  if (text.endsWith(' ERROR')) throw new ClamdError(`clamd: ${text}`);
  const found = /^stream: (.+) FOUND$/.exec(text);
  if (found) return { kind: 'found', signature: found[1]! };
  if (text === 'stream: OK') return { kind: 'clean' };
  throw new ClamdError(`clamd answered ${JSON.stringify(text.slice(0, 200))}`);
}

export class Clamd {
  readonly address: ClamdAddress;
  readonly #connectTimeoutMs: number;
  readonly #answerTimeoutMs: number;

  constructor(address: ClamdAddress, options: ClamdOptions = {}) {
    this.address = address;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 3_000;
    this.#answerTimeoutMs = options.answerTimeoutMs ?? 120_000;
  }

  /** True when clamd answers PONG. */
  async ping(): Promise<boolean> {
    try {
      return (await this.#command('zPING\0')) === 'PONG';
    } catch {
      return false;
    }
  }

  /** `ClamAV 1.4.6/27480/Mon Dec  9 …`: the engine, and the daily database when the official ones are loaded. */
  version(): Promise<string> {
    return this.#command('zVERSION\0');
  }

  /** Scans the bytes of one file. Throws when clamd cannot be reached or fails. */
  async scan(source: StreamSource): Promise<StreamVerdict> {
    try {
      return parseStreamAnswer(await this.#command('zINSTREAM\0', source));
    } catch (error) {
      // Past its StreamMaxLength clamd answers and hangs up, and our next write's EPIPE may
      // beat its answer: a clamd that still answers PING refused the stream, a dead one did not.
      if (error instanceof ClamdError && error.hungUp && (await this.ping())) return { kind: 'limit' };
      throw error;
    }
  }

  /** One connection per command: sends it (and the stream), resolves with the answer up to its NUL. */
  #command(command: string, source?: StreamSource): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = 'socket' in this.address ? net.createConnection(this.address.socket) : net.createConnection(this.address.port, this.address.host);
      let answer = Buffer.alloc(0);
      let settled = false;
      let connected = false;
      const finish = (error: Error | undefined, text?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(text!);
      };
      const where = describeAddress(this.address);
      let timer = setTimeout(() => finish(new ClamdError(`clamd at ${where}: no connection within ${this.#connectTimeoutMs} ms`)), this.#connectTimeoutMs);
      socket.on('connect', () => {
        connected = true;
        clearTimeout(timer);
        timer = setTimeout(() => finish(new ClamdError(`clamd at ${where}: no answer within ${this.#answerTimeoutMs} ms`)), this.#answerTimeoutMs);
        // A socket that fails has settled the command by the time a write fails (clamd answers
        // and hangs up at its size limit); what is left is the file failing to read.
        send(socket, command, source).catch((error: Error) => finish(error));
      });
      socket.on('data', (chunk: Buffer) => {
        answer = Buffer.concat([answer, chunk]);
        const end = answer.indexOf(0);
        if (end >= 0) finish(undefined, answer.toString('utf8', 0, end));
        else if (answer.length > MAX_ANSWER) finish(new ClamdError(`clamd at ${where}: answer without end`));
      });
      socket.on('error', (error) => finish(new ClamdError(`clamd at ${where}: ${error.message}`, connected)));
      socket.on('close', () => finish(new ClamdError(`clamd at ${where} closed the connection without an answer`, connected)));
    });
  }
}

/** Writes the command, then the stream in chunks, waiting for the socket to drain so a large file is never all in memory twice. */
async function send(socket: net.Socket, command: string, source: StreamSource | undefined): Promise<void> {
  await write(socket, Buffer.from(command, 'latin1'));
  if (source === undefined) return;
  for (const chunk of chunks(source)) {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    await write(socket, Buffer.concat([length, chunk]));
  }
  await write(socket, Buffer.alloc(4));
}

function* chunks(source: StreamSource): Generator<Buffer> {
  if (Buffer.isBuffer(source)) {
    for (let offset = 0; offset < source.length; offset += CHUNK) yield source.subarray(offset, offset + CHUNK);
    return;
  }
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (let n; (n = fs.readSync(source.fd, buffer, 0, CHUNK, null)) > 0; ) yield Buffer.from(buffer.subarray(0, n));
}

function write(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('socket closed'));
    if (socket.write(data)) return resolve();
    // Errors reach the command's own handler; they close the socket, which ends the wait here.
    const settle = (error?: Error) => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('socket closed'));
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}
