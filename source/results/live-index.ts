import type { Logger } from '../log.ts';
import { ResultsIndex } from './index.ts';

/** Records written within this long share one catch-up: one transaction per burst, not per file. */
const BATCH_MS = 200;
/**
 * SQLite's default page cache. A run's catch-ups add a few KiB at a time, and
 * the cache of a bulk build filled up to 64 MiB as the index grew (about 1 kB
 * a record): a scan's memory grew with every file until 60,000 files or so.
 */
const LIVE_CACHE_KIB = 2 * 1024;

/**
 * The index kept up to date while a run writes records: opening and each
 * burst of records start a catch-up from reports.jsonl, run a chunk at a time
 * between the run's other work (a first build over a large reports.jsonl
 * takes minutes and must not hold the files back), and closing finishes it.
 * A failure is logged and never stops the run: records are safe in
 * reports.jsonl and the next catch-up (or query) reads them.
 */
export class LiveIndex {
  readonly index: ResultsIndex;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #steps: Iterator<number> | undefined;
  #again = false;

  private constructor(index: ResultsIndex, logger: Logger) {
    this.index = index;
    this.#logger = logger;
  }

  static open(logsPath: string, logger: Logger): LiveIndex {
    const live = new LiveIndex(ResultsIndex.open(logsPath, { catchUp: false, cacheKiB: LIVE_CACHE_KIB }), logger);
    live.#start();
    return live;
  }

  recordWritten(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, BATCH_MS).unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#steps = undefined;
    this.#guard(() => this.index.catchUp());
    this.index.close();
  }

  #start(): void {
    if (this.#steps) {
      // Records came in while a catch-up runs: one more pass once it ends.
      this.#again = true;
      return;
    }
    this.#steps = this.index.catchUpSteps();
    this.#next();
  }

  #next(): void {
    const steps = this.#steps;
    if (!steps) return;
    const done = this.#guard(() => steps.next().done) ?? true;
    if (!done) {
      setImmediate(() => this.#next()).unref();
      return;
    }
    this.#steps = undefined;
    if (this.#again) {
      this.#again = false;
      this.#start();
    }
  }

  #guard<T>(work: () => T): T | undefined {
    try {
      return work();
    } catch (error) {
      this.#logger.warn({ err: error, index: this.index.file }, 'results index: catching up with reports.jsonl failed; the next record or `broapt results` tries again');
      return undefined;
    }
  }
}
