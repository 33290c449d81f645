import type { Readable } from 'node:stream';
import type { ZeekEntry } from './entry.ts';
import { ZeekLogError } from './error.ts';
import { defaultHeader, type ZeekHeader } from './header.ts';
import { openBytes } from './input.ts';
import { JsonLineReader } from './json-reader.ts';
import { TsvLineReader } from './tsv-reader.ts';
import type { ZeekRecord } from './values.ts';

/** btest-diff's first line; its baselines mask times as `XXXXXXXXXX.XXXXXX`. */
const BTEST_BANNER = '### BTest baseline data';

export interface ReadOptions {
  /** Skip malformed lines (counted in `stats.skipped`) instead of throwing ZeekLogError. */
  lenient?: boolean;
}

export interface ReadStats {
  records: number;
  skipped: number;
}

/**
 * The lines of one chunk that share a header block. A directive starts a new
 * batch, and so does a bad line, so the reader's header and stats move as the
 * consumer reaches the lines that change them.
 */
interface Batch<T> {
  items: T[];
  /** The TSV header block in force for the items (undefined for JSON). */
  header: ZeekHeader | undefined;
  /** Bad lines skipped (lenient) just before the items. */
  skipped: number;
  /** Thrown once the items are handed out. */
  error: ZeekLogError | undefined;
}

/**
 * Reads a Zeek log (TSV or JSON lines, plain or gzip) a chunk at a time, so
 * memory stays flat whatever the file size. Iterate it once: for the records,
 * or through `entries()` for every line (what a writer needs to reproduce it).
 */
export class ZeekLogReader implements AsyncIterable<ZeekRecord> {
  readonly file: string;
  readonly stats: ReadStats = { records: 0, skipped: 0 };
  /** Known once the first non-comment line is read. */
  format: 'tsv' | 'json' | undefined;
  readonly #lenient: boolean;
  #lines: TsvLineReader | JsonLineReader | undefined;
  #masked = false;
  /** The header of the batch being handed out. */
  #header: ZeekHeader | undefined;
  #line = 0;
  /** Batches filled and not yet handed to the consumer, then the one being filled. */
  #done: Batch<ZeekRecord | ZeekEntry>[] = [];
  #batch: Batch<ZeekRecord | ZeekEntry> = { items: [], header: undefined, skipped: 0, error: undefined };

  constructor(file: string, options: ReadOptions = {}) {
    this.file = file;
    this.#lenient = options.lenient ?? false;
  }

  /** The header block in force (for JSON logs, Zeek's defaults with no fields). */
  get header(): ZeekHeader {
    return this.#header ?? defaultHeader();
  }

  entries(): AsyncIterableIterator<ZeekEntry> {
    const batches = this.#batches(true) as AsyncGenerator<Batch<ZeekEntry>>;
    return new BatchIterator(batches, (batch) => this.#reach(batch), (entry) => {
      if (entry.kind === 'record') this.stats.records += 1;
    });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ZeekRecord> {
    const batches = this.#batches(false) as AsyncGenerator<Batch<ZeekRecord>>;
    return new BatchIterator(batches, (batch) => this.#reach(batch), () => {
      this.stats.records += 1;
    });
  }

  #reach(batch: Batch<unknown>): void {
    this.#header = batch.header;
    this.stats.skipped += batch.skipped;
  }

  /** `entries` batches every line as an entry; otherwise records alone, as they are. */
  async *#batches(entries: boolean): AsyncGenerator<Batch<ZeekRecord | ZeekEntry>> {
    let bytes: Readable;
    try {
      bytes = await openBytes(this.file);
    } catch (error) {
      throw new ZeekLogError(this.file, undefined, `cannot read the log: ${(error as Error).message}`, { cause: error });
    }
    let rest: Buffer | undefined;
    try {
      for await (const chunk of bytes as AsyncIterable<Buffer>) {
        const whole = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
        // A newline byte is never part of a multi-byte UTF-8 character, so the text up to the last one decodes whole.
        // Decoded at once, it is one flat string, which the scanners index far faster than a concatenation.
        const cut = whole.lastIndexOf(10) + 1;
        rest = cut < whole.length ? whole.subarray(cut) : undefined;
        if (cut === 0) continue;
        const text = whole.toString('utf8', 0, cut);
        // One character a byte (all ASCII, the usual case): readers may then look at the bytes of a line instead.
        this.#fill(text, text.length === cut ? whole : undefined, entries);
        yield* this.#ready(false);
        if (this.#batch.error !== undefined) return;
      }
    } catch (error) {
      if (error instanceof ZeekLogError) throw error;
      throw new ZeekLogError(this.file, this.#line + 1, `cannot read the log: ${(error as Error).message}`, { cause: error });
    }
    if (rest !== undefined) this.#takeLast(rest.toString('utf8'), entries);
    yield* this.#ready(true);
  }

  /** Takes the filled batches, with the one being filled when it holds anything (or at the `end`). */
  #ready(end: boolean): Batch<ZeekRecord | ZeekEntry>[] {
    const batch = this.#batch;
    if (end || batch.items.length > 0 || batch.error !== undefined) this.#cut(batch.header, 0);
    const done = this.#done;
    this.#done = [];
    return done;
  }

  #cut(header: ZeekHeader | undefined, skipped: number): void {
    this.#done.push(this.#batch);
    this.#batch = { items: [], header, skipped, error: undefined };
  }

  /** Reads the lines of `text` (whole lines, each ending with a newline) into batches, up to a line in error. */
  #fill(text: string, bytes: Uint8Array | undefined, entries: boolean): void {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1 && this.#batch.error === undefined; end = text.indexOf('\n', start)) {
      this.#take(text, bytes, start, end, entries);
      start = end + 1;
    }
  }

  #take(text: string, bytes: Uint8Array | undefined, start: number, end: number, entries: boolean): void {
    const line = ++this.#line;
    try {
      // Records, the bulk of a log, are read where they lie in the chunk; `#` lines and the first line go the long way.
      if (this.#lines !== undefined && text.charCodeAt(start) !== 35) {
        const record = this.#lines.record(text, start, end, line, bytes);
        this.#batch.items.push(entries ? { kind: 'record', line, record } : record);
        return;
      }
      const entry = this.#read(text.slice(start, end), line);
      if (entry.kind === 'directive') this.#cut((this.#lines as TsvLineReader).header, 0);
      if (entries) this.#batch.items.push(entry);
      else if (entry.kind === 'record') this.#batch.items.push(entry.record);
    } catch (error) {
      if (!(error instanceof ZeekLogError)) throw error;
      this.#fail(error);
    }
  }

  /**
   * A last line without a newline. Tools other than Zeek end JSON logs so, and a
   * line that parses as an object is whole; a TSV line cut in a field still
   * splits into fields, so only JSON can tell a whole line from a torn one.
   */
  #takeLast(text: string, entries: boolean): void {
    if (this.format !== 'tsv' && text.startsWith('{') && isJsonObject(text)) {
      this.#take(text, undefined, 0, text.length, entries);
      return;
    }
    this.#fail(new ZeekLogError(this.file, this.#line + 1, 'the last line is truncated (the file does not end with a newline); was the log still being written?'));
  }

  #fail(error: ZeekLogError): void {
    if (!this.#lenient) this.#batch.error = error;
    else this.#cut(this.#batch.header, 1);
  }

  /** A log is JSON when its first line that is not a `###` comment is an object. */
  #read(text: string, line: number): ZeekEntry {
    if (this.#lines === undefined) {
      if (text.startsWith('###')) {
        this.#masked ||= text.startsWith(BTEST_BANNER);
        return { kind: 'comment', line, text };
      }
      this.format = text.startsWith('{') ? 'json' : 'tsv';
      this.#lines = this.format === 'json' ? new JsonLineReader(this.file, this.#masked) : new TsvLineReader(this.file, this.#masked);
    }
    return this.#lines.read(text, line);
  }
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

export function readZeekLog(file: string, options?: ReadOptions): ZeekLogReader {
  return new ZeekLogReader(file, options);
}

/** Hands out a reader's batches one item at a time: a resolved promise per item, and one await per batch. */
class BatchIterator<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncGenerator<Batch<T>>;
  readonly #reach: (batch: Batch<T>) => void;
  readonly #count: (item: T) => void;
  #items: T[] = [];
  #at = 0;
  #error: ZeekLogError | undefined;

  constructor(source: AsyncGenerator<Batch<T>>, reach: (batch: Batch<T>) => void, count: (item: T) => void) {
    this.#source = source;
    this.#reach = reach;
    this.#count = count;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#at < this.#items.length) {
      const value = this.#items[this.#at++] as T;
      this.#count(value);
      return Promise.resolve({ done: false, value });
    }
    return this.#refill();
  }

  async #refill(): Promise<IteratorResult<T>> {
    for (;;) {
      const error = this.#error;
      if (error !== undefined) {
        this.#error = undefined;
        await this.#source.return(undefined);
        throw error;
      }
      const next = await this.#source.next();
      if (next.done === true) return { done: true, value: undefined };
      const batch = next.value;
      this.#reach(batch);
      this.#items = batch.items;
      this.#at = 0;
      this.#error = batch.error;
      if (batch.items.length > 0) return this.next();
    }
  }

  async return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#error = undefined;
    await this.#source.return(undefined);
    return { done: true, value: undefined };
  }
}
