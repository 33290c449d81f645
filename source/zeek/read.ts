import type { Readable } from 'node:stream';
import type { ZeekEntry } from './entry.ts';
import { ZeekLogError } from './error.ts';
import { defaultHeader, type ZeekHeader } from './header.ts';
import { openText } from './input.ts';
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
 * Reads a Zeek log (TSV or JSON lines, plain or gzip) one line at a time, so
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

  constructor(file: string, options: ReadOptions = {}) {
    this.file = file;
    this.#lenient = options.lenient ?? false;
  }

  /** The header block in force (for JSON logs, Zeek's defaults with no fields). */
  get header(): ZeekHeader {
    return this.#lines instanceof TsvLineReader ? this.#lines.header : defaultHeader();
  }

  entries(): AsyncGenerator<ZeekEntry> {
    return this.#walk((entry) => entry);
  }

  [Symbol.asyncIterator](): AsyncGenerator<ZeekRecord> {
    return this.#walk((entry) => (entry.kind === 'record' ? entry.record : undefined));
  }

  async *#walk<T>(pick: (entry: ZeekEntry) => T | undefined): AsyncGenerator<T> {
    let text: Readable;
    try {
      text = await openText(this.file);
    } catch (error) {
      throw new ZeekLogError(this.file, undefined, `cannot read the log: ${(error as Error).message}`, { cause: error });
    }
    let rest = '';
    let line = 0;
    try {
      for await (const chunk of text as AsyncIterable<string>) {
        let start = 0;
        let end = chunk.indexOf('\n');
        if (end === -1) {
          rest += chunk;
          continue;
        }
        let first: string | undefined = rest + chunk.slice(0, end);
        rest = '';
        while (end !== -1) {
          const picked = this.#line(first ?? chunk.slice(start, end), ++line, pick);
          first = undefined;
          if (picked !== undefined) yield picked;
          start = end + 1;
          end = chunk.indexOf('\n', start);
        }
        rest = chunk.slice(start);
      }
    } catch (error) {
      if (error instanceof ZeekLogError) throw error;
      throw new ZeekLogError(this.file, line + 1, `cannot read the log: ${(error as Error).message}`, { cause: error });
    }
    if (rest !== '') {
      this.#fail(new ZeekLogError(this.file, line + 1, 'the last line is truncated (the file does not end with a newline); was the log still being written?'));
    }
  }

  #line<T>(text: string, line: number, pick: (entry: ZeekEntry) => T | undefined): T | undefined {
    try {
      const entry = this.#read(text, line);
      if (entry.kind === 'record') this.stats.records += 1;
      return pick(entry);
    } catch (error) {
      if (!(error instanceof ZeekLogError)) throw error;
      this.#fail(error);
      return undefined;
    }
  }

  #fail(error: ZeekLogError): void {
    if (!this.#lenient) throw error;
    this.stats.skipped += 1;
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

export function readZeekLog(file: string, options?: ReadOptions): ZeekLogReader {
  return new ZeekLogReader(file, options);
}
