import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BroaptError } from '../errors.ts';
import { AppendLog } from './append-log.ts';
import { decodePathLine, encodePathLine } from './path-line.ts';
import { referenceFailedPath } from './reference-fail-line.ts';

export interface HistoryStats {
  /** Paths processed. */
  done: number;
  /** Paths that failed and have not been processed since. */
  failed: number;
  /** Unterminated last lines skipped at load: a writer was killed mid-line. */
  tornLines: number;
  loadMs: number;
}

/** Big reads keep a million-line load to a few dozen system calls; a longer line grows the buffer. */
const READ_CHUNK = 4 << 20;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` for every non-empty line that ends in "\n". Each line is decoded
 * straight from the read buffer, so the only strings made are the ones handed out.
 * Resolves to whether the file ends in a torn line, or undefined if there is no file.
 */
async function readLines(file: string, onLine: (line: string) => void): Promise<boolean | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    let buffer = Buffer.allocUnsafe(READ_CHUNK);
    let kept = 0;
    for (;;) {
      if (kept === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, kept);
        buffer = bigger;
      }
      const { bytesRead } = await handle.read(buffer, kept, buffer.length - kept, null);
      if (bytesRead === 0) return kept > 0;
      const filled = buffer.subarray(0, kept + bytesRead);
      // Paths are nearly always ASCII, which latin1 decodes faster to the same one-byte strings.
      const encoding = isAscii(filled) ? 'latin1' : 'utf8';
      let start = 0;
      for (let end = filled.indexOf(NEWLINE); end !== -1; end = filled.indexOf(NEWLINE, start)) {
        if (end > start) onLine(filled.toString(encoding, start, end));
        start = end + 1;
      }
      kept = filled.copy(buffer, 0, start);
    }
  } finally {
    await handle.close();
  }
}

/**
 * fail.log is JSON Lines: one object per failure,
 * `{"time":"<ISO-8601>","path":"<file>","reason":"<why>", ...details}`.
 * A path listed there is not taken again on restart unless retryFailed; if it
 * later succeeds it goes to dump.log like any other. Old reference lines, Python
 * tuples, are read too.
 */
function failedPath(line: string): string | undefined {
  if (line.startsWith('(')) return referenceFailedPath(line);
  try {
    const record: unknown = JSON.parse(line);
    const file = (record as { path?: unknown } | null)?.path;
    return typeof file === 'string' ? file : undefined;
  } catch {
    // A line that is not JSON (damaged by hand, say) carries no usable record.
    return undefined;
  }
}

/**
 * The paths dump.log and fail.log list now (a path in both is done), read
 * afresh: processes sharing the logs folder append to them.
 */
export async function readHistory(logsPath: string) {
  const dumpLog = join(logsPath, 'dump.log');
  const failLog = join(logsPath, 'fail.log');
  const done = new Set<string>();
  const failed = new Set<string>();
  const dumpTorn = await readLines(dumpLog, (line) => {
    const file = decodePathLine(line);
    if (file !== undefined) done.add(file);
  });
  const failTorn = await readLines(failLog, (line) => {
    const file = failedPath(line);
    if (file !== undefined && !done.has(file)) failed.add(file);
  });
  return { dumpLog, failLog, done, failed, dumpTorn, failTorn };
}

/**
 * What the pipeline asks of a history. The embedded default is History (files
 * on disk); cluster mode adds Redis behind the same calls (source/redis/history.ts).
 */
export interface FileHistory {
  /** Finished, or failed and not to be retried: not to be taken again. */
  has(path: string): boolean;
  isDone(path: string): boolean;
  /** Number of paths processed. */
  readonly size: number;
  readonly stats: HistoryStats;
  markDone(path: string): void;
  markFailed(path: string, reason: string, details?: Record<string, unknown>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Which extracted files are finished, loaded once from `<logsPath>/dump.log`
 * (reference-compatible, one path per line) and `<logsPath>/fail.log`, then
 * answered from memory.
 */
export class History implements FileHistory {
  readonly dumpLog: string;
  readonly failLog: string;
  readonly #done: Set<string>;
  readonly #failed: Set<string>;
  /** Failures of this run: --retry-failed retries earlier runs' failures, never these (a watch rescan would loop on them). */
  readonly #failedNow = new Set<string>();
  readonly #retryFailed: boolean;
  readonly #dump: AppendLog;
  readonly #fail: AppendLog;
  readonly #tornLines: number;
  readonly #loadMs: number;

  private constructor(init: {
    dumpLog: string;
    failLog: string;
    done: Set<string>;
    failed: Set<string>;
    retryFailed: boolean;
    dump: AppendLog;
    fail: AppendLog;
    tornLines: number;
    loadMs: number;
  }) {
    this.dumpLog = init.dumpLog;
    this.failLog = init.failLog;
    this.#done = init.done;
    this.#failed = init.failed;
    this.#retryFailed = init.retryFailed;
    this.#dump = init.dump;
    this.#fail = init.fail;
    this.#tornLines = init.tornLines;
    this.#loadMs = init.loadMs;
  }

  static async open(logsPath: string, options: { retryFailed: boolean }): Promise<History> {
    try {
      return await History.#load(logsPath, options);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === undefined) throw error;
      throw new BroaptError(
        'E_HISTORY',
        `Cannot keep the processed-files history in ${logsPath}: ${(error as Error).message}. ` +
          'Make that folder readable and writable, or choose another with --logs-path (BROAPT_LOGS_PATH).',
        { cause: error },
      );
    }
  }

  static async #load(logsPath: string, options: { retryFailed: boolean }): Promise<History> {
    const started = performance.now();
    const { dumpLog, failLog, done, failed, dumpTorn, failTorn } = await readHistory(logsPath);
    const loadMs = performance.now() - started;
    // Read before opening for append: AppendLog.open cuts off a torn line, which is then no longer counted.
    const dump = await AppendLog.open(dumpLog);
    const fail = await AppendLog.open(failLog).catch(async (error: unknown) => {
      await dump.close();
      throw error;
    });
    const tornLines = Number(dumpTorn === true) + Number(failTorn === true);
    return new History({ dumpLog, failLog, done, failed, retryFailed: options.retryFailed, dump, fail, tornLines, loadMs });
  }

  has(path: string): boolean {
    return this.#done.has(path) || this.#failedNow.has(path) || (!this.#retryFailed && this.#failed.has(path));
  }

  isDone(path: string): boolean {
    return this.#done.has(path);
  }

  /** Number of paths processed. */
  get size(): number {
    return this.#done.size;
  }

  get stats(): HistoryStats {
    return { done: this.#done.size, failed: this.#failed.size, tornLines: this.#tornLines, loadMs: this.#loadMs };
  }

  markDone(path: string): void {
    if (this.#done.has(path)) return;
    this.#dump.append(encodePathLine(path));
    this.#done.add(path);
    this.#failed.delete(path);
    this.#failedNow.delete(path);
  }

  markFailed(path: string, reason: string, details?: Record<string, unknown>): void {
    const core = { time: new Date().toISOString(), path, reason };
    // Spreading `core` twice keeps its keys first in the line and lets no detail overwrite them.
    this.#fail.append(JSON.stringify({ ...core, ...details, ...core }));
    if (this.#done.has(path)) return;
    this.#failed.add(path);
    this.#failedNow.add(path);
  }

  async flush(): Promise<void> {
    await Promise.all([this.#dump.flush(), this.#fail.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.#dump.close(), this.#fail.close()]);
  }
}
