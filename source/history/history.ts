import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BroaptError } from '../errors.ts';
import { AppendLog } from './append-log.ts';
import { readLines } from './lines.ts';
import { decodePathLine, encodePathLine } from './path-line.ts';
import { PathSet } from './path-set.ts';
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

/**
 * fail.log is JSON Lines: one object per failure,
 * `{"time":"<ISO-8601>","path":"<file>","reason":"<why>", ...details}`.
 * A path listed there is not taken again on restart unless retryFailed; if it
 * later succeeds it goes to dump.log like any other. Old reference lines, Python
 * tuples, are read too.
 */
function failedPath(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
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

/** Every non-empty whole line of `file` as it is now; resolves to whether it ends in a torn line, or undefined if there is no file. */
async function readFileLines(file: string, onLine: (line: string) => void): Promise<boolean | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return await readLines(handle, (await handle.stat()).size, onLine);
  } finally {
    await handle.close();
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
  const dumpTorn = await readFileLines(dumpLog, (line) => {
    const file = decodePathLine(line);
    if (file !== undefined) done.add(file);
  });
  const failTorn = await readFileLines(failLog, (line) => {
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

export interface HistoryOptions {
  retryFailed: boolean;
  /** The paths' hash; tests force collisions with it. */
  hash?: (path: string) => number;
}

/**
 * Which extracted files are finished, loaded once from `<logsPath>/dump.log`
 * (reference-compatible, one path per line) and `<logsPath>/fail.log`, then
 * answered from memory that holds no path: a hash and the offset of the line
 * that records it (PathSet), about 20 bytes a path where the paths themselves
 * took over 150. A hash match is confirmed by reading that line back.
 */
export class History implements FileHistory {
  readonly dumpLog: string;
  readonly failLog: string;
  /** Offsets into dump.log. */
  readonly #done: PathSet;
  /** Offsets into fail.log. */
  readonly #failed: PathSet;
  /** Failures of this run: --retry-failed retries earlier runs' failures, never these (a watch rescan would loop on them). */
  readonly #failedNow: PathSet;
  readonly #retryFailed: boolean;
  readonly #dump: AppendLog;
  readonly #fail: AppendLog;
  #tornLines = 0;
  #loadMs = 0;

  private constructor(logsPath: string, options: HistoryOptions, dump: AppendLog, fail: AppendLog) {
    this.dumpLog = join(logsPath, 'dump.log');
    this.failLog = join(logsPath, 'fail.log');
    this.#retryFailed = options.retryFailed;
    this.#dump = dump;
    this.#fail = fail;
    const doneAt = (offset: number) => decodePathLine(dump.lineAt(offset) ?? '');
    const failedAt = (offset: number) => failedPath(fail.lineAt(offset));
    this.#done = new PathSet(doneAt, options.hash);
    this.#failed = new PathSet(failedAt, options.hash);
    this.#failedNow = new PathSet(failedAt, options.hash);
  }

  static async open(logsPath: string, options: HistoryOptions): Promise<History> {
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

  static async #load(logsPath: string, options: HistoryOptions): Promise<History> {
    const dump = await AppendLog.open(join(logsPath, 'dump.log'));
    const fail = await AppendLog.open(join(logsPath, 'fail.log')).catch(async (error: unknown) => {
      await dump.close();
      throw error;
    });
    const history = new History(logsPath, options, dump, fail);
    try {
      await history.#read();
    } catch (error) {
      await history.close();
      throw error;
    }
    return history;
  }

  async #read(): Promise<void> {
    const started = performance.now();
    // Each line's string is dropped once hashed: the sets keep offsets only.
    const dumpTorn = await this.#dump.readLines((line, offset) => {
      const file = decodePathLine(line);
      if (file !== undefined) this.#done.add(file, offset);
    });
    const failTorn = await this.#fail.readLines((line, offset) => {
      const file = failedPath(line);
      if (file !== undefined && !this.#done.has(file)) this.#failed.add(file, offset);
    });
    this.#loadMs = performance.now() - started;
    this.#tornLines = Number(dumpTorn) + Number(failTorn);
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
    this.#done.add(path, this.#dump.append(encodePathLine(path)));
    this.#failed.delete(path);
    this.#failedNow.delete(path);
  }

  markFailed(path: string, reason: string, details?: Record<string, unknown>): void {
    const core = { time: new Date().toISOString(), path, reason };
    // Spreading `core` twice keeps its keys first in the line and lets no detail overwrite them.
    const offset = this.#fail.append(JSON.stringify({ ...core, ...details, ...core }));
    if (this.#done.has(path)) return;
    this.#failed.add(path, offset);
    this.#failedNow.add(path, offset);
  }

  async flush(): Promise<void> {
    await Promise.all([this.#dump.flush(), this.#fail.flush()]);
  }

  async close(): Promise<void> {
    await Promise.all([this.#dump.close(), this.#fail.close()]);
  }
}
