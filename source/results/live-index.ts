import type { Logger } from '../log.ts';
import { ResultsIndex } from './index.ts';

/** Records written within this long share one catch-up: one transaction per burst, not per file. */
const BATCH_MS = 200;

/**
 * The index kept up to date while a run writes records: each record schedules
 * a catch-up from reports.jsonl, and closing does a last one. A failure is
 * logged and never stops the run: records are safe in reports.jsonl and the
 * next catch-up (or query) reads them.
 */
export class LiveIndex {
  readonly index: ResultsIndex;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  private constructor(index: ResultsIndex, logger: Logger) {
    this.index = index;
    this.#logger = logger;
  }

  static open(logsPath: string, logger: Logger): LiveIndex {
    return new LiveIndex(ResultsIndex.open(logsPath), logger);
  }

  recordWritten(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.catchUp();
    }, BATCH_MS).unref();
  }

  catchUp(): void {
    try {
      this.index.catchUp();
    } catch (error) {
      this.#logger.warn({ err: error, index: this.index.file }, 'results index: catching up with reports.jsonl failed; the next record or `broapt results` tries again');
    }
  }

  close(): void {
    clearTimeout(this.#timer);
    this.catchUp();
    this.index.close();
  }
}
