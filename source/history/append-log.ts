import fs from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { lineAt, readLines } from './lines.ts';
import { LogWriteError } from './log-write-error.ts';

/** Unsynced appends reach the disk within about this long even if nobody calls flush(). */
const AUTO_FLUSH_MS = 1000;

/** How far back dropTornTail reads at a time. */
const TAIL_CHUNK = 1 << 16;

/**
 * A killed writer left half a line: cut it off. Closed off with a newline
 * instead, it would load as a whole line next time, and a torn path is a prefix
 * of the real one (`/dump/file1` of `/dump/file10`) that would hide a file of
 * that name forever; its file is simply not recorded, so the next run takes it.
 */
async function dropTornTail(handle: FileHandle): Promise<{ end: number; cut: boolean }> {
  const { size } = await handle.stat();
  const buffer = Buffer.alloc(TAIL_CHUNK);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - TAIL_CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, end - start, start);
    const newline = buffer.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (newline !== -1) {
      end = start + newline + 1;
      break;
    }
    end = start;
  }
  if (end < size) await handle.truncate(end);
  return { end, cut: end < size };
}

/**
 * An append-only file of lines (dump.log, fail.log, processed.jsonl).
 *
 * append() hands each line to the kernel with one synchronous write, so once it
 * returns the line survives a crash of this process, and O_APPEND keeps two
 * lines from interleaving. flush() adds durability against power loss. The
 * descriptor also reads, so a history can keep offsets of lines instead of
 * their text.
 */
export class AppendLog {
  readonly #file: string;
  readonly #handle: FileHandle;
  /** Bytes of whole lines in the file: a failed write is cut back to it, so the log never holds half a line. */
  #size: number;
  /** Bytes of whole lines when opened: what readLines() reads. */
  readonly #openedSize: number;
  /** open() cut a torn last line off. */
  readonly #cutTornTail: boolean;
  /** The first failed write: later lines would follow a gap, so none is written after it. */
  #broken: LogWriteError | undefined;
  #dirty = false;
  #timer: NodeJS.Timeout | undefined;
  #lastSync: Promise<void> = Promise.resolve();
  /** After a failed fdatasync the kernel may have dropped the pages and a later one can succeed anyway, so the first failure sticks. */
  #syncFailure: unknown;
  #closing: Promise<void> | undefined;

  private constructor(file: string, handle: FileHandle, size: number, cutTornTail: boolean) {
    this.#file = file;
    this.#handle = handle;
    this.#size = size;
    this.#openedSize = size;
    this.#cutTornTail = cutTornTail;
  }

  static async open(file: string): Promise<AppendLog> {
    await mkdir(path.dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const { end, cut } = await dropTornTail(handle);
      return new AppendLog(file, handle, end, cut);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Writes `line` and returns the offset where it starts. */
  append(line: string): number {
    if (line.includes('\n')) throw new Error(`AppendLog.append: a line must not contain "\\n": ${JSON.stringify(line)}`);
    return this.#write(`${line}\n`);
  }

  /**
   * Every whole line the file held when opened, with its offset; resolves to
   * whether it held a torn line too (which open() cut off).
   */
  async readLines(onLine: (line: string, offset: number) => void): Promise<boolean> {
    const torn = await readLines(this.#handle, this.#openedSize, onLine);
    return torn || this.#cutTornTail;
  }

  /** The line starting at `offset` (one appended since open included), undefined when no whole line does. */
  lineAt(offset: number): string | undefined {
    // After close the descriptor number may already belong to another file.
    if (this.#closing) throw new Error('AppendLog: read after close()');
    return lineAt(this.#handle.fd, offset);
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#dirty) {
      this.#dirty = false;
      this.#lastSync = this.#handle.datasync().catch((error: unknown) => {
        this.#syncFailure ??= new LogWriteError(this.#file, error);
      });
    }
    // A sync already under way may have started after the caller's appends were written; wait for it too.
    await this.#lastSync;
    if (this.#syncFailure !== undefined) throw this.#syncFailure;
  }

  close(): Promise<void> {
    this.#closing ??= this.flush().finally(() => this.#handle.close());
    return this.#closing;
  }

  #write(text: string): number {
    // After close the descriptor number may already belong to another file.
    if (this.#closing) throw new Error('AppendLog: written after close()');
    if (this.#broken) throw this.#broken;
    const bytes = Buffer.from(text);
    // One writer per logs folder (below): the file ends at #size, where O_APPEND puts the line.
    const offset = this.#size;
    try {
      // One write in practice; the loop only resumes a short write (disk nearly full).
      for (let done = 0; done < bytes.length; ) done += fs.writeSync(this.#handle.fd, bytes, done);
    } catch (error) {
      this.#broken = new LogWriteError(this.#file, error);
      // One writer per logs folder (each cluster worker has its own), so the bytes past #size are this write's.
      try {
        fs.ftruncateSync(this.#handle.fd, this.#size);
      } catch {
        // Left torn: the next open cuts the torn line off.
      }
      throw this.#broken;
    }
    this.#size += bytes.length;
    this.#dirty = true;
    // A failed background sync sticks in #syncFailure and is thrown by the next flush() or close().
    this.#timer ??= setTimeout(() => void this.flush().catch(() => {}), AUTO_FLUSH_MS).unref();
    return offset;
  }
}
