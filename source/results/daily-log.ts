import fs from 'node:fs';
import { AppendLog } from '../history/append-log.ts';
import { dayOf, rotateAway, rotateStale, untilMidnight } from './rotation.ts';

/** What a log that holds a header (broapt.log's TSV) writes around a rotation; both run synchronously, before any other line. */
export interface RotationHooks {
  /** Last lines of the day's file (a `#close`). */
  closing?: (log: DailyLog) => void;
  /** First lines of the new file (a header). */
  opened?: (log: DailyLog) => void;
}

export interface DailyLogOptions extends RotationHooks {
  /** The clock; tests give another day. */
  now?: () => Date;
}

/**
 * An AppendLog that rotates at local midnight like Zeek's logs: the day's file
 * becomes `<name>.<YYYY-MM-DD>.<ext>` and a new one starts. A file left from an
 * earlier day is rotated when opened, so a stopped writer leaves no mixed days.
 */
export class DailyLog {
  readonly file: string;
  readonly #now: () => Date;
  readonly #hooks: RotationHooks;
  #log: AppendLog;
  #inode: number;
  #day: string;
  #timer: NodeJS.Timeout | undefined;
  #rotating: Promise<void> | undefined;
  #closed = false;

  private constructor(file: string, log: AppendLog, options: DailyLogOptions) {
    this.file = file;
    this.#log = log;
    this.#now = options.now ?? (() => new Date());
    this.#hooks = options;
    this.#inode = fs.statSync(file).ino;
    this.#day = dayOf(this.#now());
    this.#schedule();
  }

  static async open(file: string, options: DailyLogOptions = {}): Promise<DailyLog> {
    rotateStale(file, (options.now ?? (() => new Date()))());
    const log = new DailyLog(file, await AppendLog.open(file), options);
    options.opened?.(log);
    return log;
  }

  append(line: string): void {
    this.#log.append(line);
  }

  /** Ends the current day's file now; the midnight timer calls it. */
  rotate(): Promise<void> {
    this.#rotating ??= this.#rotate().finally(() => {
      this.#rotating = undefined;
    });
    return this.#rotating;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#rotating;
    await this.#log.close();
  }

  async #rotate(): Promise<void> {
    // Renamed first: lines written while the new file opens still land, in the old file under its dated name.
    rotateAway(this.file, this.#day, this.#inode);
    const next = await AppendLog.open(this.file);
    if (this.#closed) {
      await next.close();
      return;
    }
    this.#hooks.closing?.(this);
    const old = this.#log;
    this.#log = next;
    this.#inode = fs.statSync(this.file).ino;
    this.#day = dayOf(this.#now());
    this.#hooks.opened?.(this);
    await old.close();
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      // A rotation that failed (disk full) leaves the day's file in place: its lines still land, and the next midnight tries again.
      void this.rotate()
        .catch(() => {})
        .finally(() => {
          if (!this.#closed) this.#schedule();
        });
    }, untilMidnight(this.#now())).unref();
  }
}
