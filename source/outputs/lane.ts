import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import type { Spool } from './spool.ts';

/** What a batch left undone: items to try again, and items the receiver refused for good. */
export interface BatchOutcome {
  retry: number[];
  rejected: Array<{ index: number; reason: string }>;
}

/** One destination of alerts or records (a webhook, syslog, a file…). */
export interface Output {
  readonly name: string;
  /** Items sent in one attempt. */
  readonly batch: number;
  /** Send the items; throw to try the whole batch again later, or say which items failed. */
  deliver(items: unknown[], signal: AbortSignal): Promise<BatchOutcome | void>;
  close?(): Promise<void>;
}

/** A lane's counts, for `broapt status`, /metrics and the lane's state.json. */
export interface DeliveryStats {
  output: string;
  /** Items spooled and not yet delivered. */
  pending: number;
  /** Attempts that failed, per item, since the spool was created. */
  failed: number;
  delivered: number;
  /** Items the receiver refused for good, kept in the spool's `rejected/`. */
  rejected: number;
  lastError: string | null;
}

export const STATE_FILE = 'state.json';
const FIRST_BACKOFF_MS = 250;

/**
 * Delivers one output's spool in the background, oldest first: a failed
 * attempt waits min(cap, 0.25 s × 2^(n−1)) and tries again, for as long as it
 * takes; nothing here waits on the processor or makes it wait.
 */
export class DeliveryLane {
  readonly #output: Output;
  readonly #spool: Spool;
  readonly #logger: Logger;
  readonly #backoffCapMs: number;
  readonly #stats: DeliveryStats;
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #closing = false;
  #wake: (() => void) | undefined;

  constructor(output: Output, spool: Spool, options: { logger: Logger; backoffCapMs: number; past?: Partial<DeliveryStats> }) {
    this.#output = output;
    this.#spool = spool;
    this.#logger = options.logger;
    this.#backoffCapMs = Math.max(FIRST_BACKOFF_MS, options.backoffCapMs);
    const past = options.past ?? {};
    this.#stats = { output: output.name, pending: spool.size, failed: past.failed ?? 0, delivered: past.delivered ?? 0, rejected: past.rejected ?? 0, lastError: past.lastError ?? null };
    this.#kick();
  }

  get stats(): DeliveryStats {
    return { ...this.#stats, pending: this.#spool.size };
  }

  /** On disk first, then queued for delivery. */
  async add(payload: unknown): Promise<void> {
    await this.#spool.add(payload);
    this.#kick();
  }

  /**
   * Stops once the spool is empty or `boundMs` has passed; an attempt still
   * running then is cut off, and what is left stays spooled for the next start.
   */
  async close(boundMs: number): Promise<void> {
    this.#closing = true;
    this.#wake?.();
    if (this.#spool.size > 0) this.#kick();
    const timer = setTimeout(() => this.#abort.abort(new Error('stopping')), boundMs);
    try {
      await this.#running;
    } finally {
      clearTimeout(timer);
      await this.#output.close?.();
      await this.#saveState();
    }
  }

  /** Starts the loop unless it runs; a new item does not cut a back-off short, or a down receiver would be hammered. */
  #kick(): void {
    if (this.#running !== undefined) return;
    this.#running = this.#loop().then(
      () => 0,
      (error: unknown) => {
        this.#logger.error({ output: this.#output.name, err: error, spool: this.#spool.dir }, 'the spool cannot be read or written; retrying');
        return this.#backoffCapMs;
      },
    ).then((delay) => {
      this.#running = undefined;
      // Items added while the loop was returning; after a spool error, later, so a broken disk is not spun on.
      if (this.#closing || this.#spool.size === 0) return;
      if (delay === 0) this.#kick();
      else setTimeout(() => this.#kick(), delay).unref();
    });
  }

  async #loop(): Promise<void> {
    let failures = 0;
    while (this.#spool.size > 0 && !this.#abort.signal.aborted) {
      const items = await this.#spool.peek(this.#output.batch);
      if (items.length === 0) continue;
      const outcome = await this.#attempt(items.map((item) => item.payload));
      // Cut off by our own stop: no failure of the receiver's, and the items stay spooled for the next start.
      if (outcome === undefined) break;
      const retry = new Set(outcome.retry);
      const rejected = new Set(outcome.rejected.map((r) => r.index));
      await this.#spool.remove(items.filter((_, i) => !retry.has(i) && !rejected.has(i)).map((item) => item.name));
      await this.#spool.reject(items.filter((_, i) => rejected.has(i)).map((item) => item.name));
      this.#stats.delivered += items.length - retry.size - rejected.size;
      this.#stats.rejected += rejected.size;
      this.#stats.failed += retry.size + rejected.size;
      for (const { reason } of outcome.rejected) this.#logger.error({ output: this.#output.name, reason, kept: path.join(this.#spool.dir, 'rejected') }, 'an output refused a delivery for good');
      await this.#saveState();
      if (retry.size === 0) {
        failures = 0;
        continue;
      }
      failures++;
      await this.#pause(Math.min(this.#backoffCapMs, FIRST_BACKOFF_MS * 2 ** (failures - 1)));
    }
  }

  /** What the output did with the batch; undefined when the stop's bound cut the attempt off. */
  async #attempt(payloads: unknown[]): Promise<BatchOutcome | undefined> {
    try {
      const outcome = await this.#output.deliver(payloads, this.#abort.signal);
      if (outcome !== undefined && outcome.retry.length > 0) this.#noteError(`${outcome.retry.length} of ${payloads.length} item(s) not accepted`);
      return outcome ?? { retry: [], rejected: [] };
    } catch (error) {
      // `broapt status` would say "last error: stopping" instead of what the receiver did.
      if (this.#abort.signal.aborted) return undefined;
      this.#noteError(error instanceof Error ? error.message : String(error));
      return { retry: payloads.map((_, i) => i), rejected: [] };
    }
  }

  #noteError(message: string): void {
    if (this.#stats.lastError !== message) this.#logger.warn({ output: this.#output.name, err: message, pending: this.#spool.size }, 'delivery failed; spooled, will retry');
    this.#stats.lastError = message;
  }

  /** Back-off; a stop request ends it at once so the flush can try the spool one last time. */
  async #pause(ms: number): Promise<void> {
    if (this.#closing) {
      // While stopping, keep trying until the flush bound aborts, without spinning.
      await new Promise((resolve) => setTimeout(resolve, Math.min(ms, 100)));
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #saveState(): Promise<void> {
    const file = path.join(this.#spool.dir, STATE_FILE);
    await writeFile(`${file}.tmp`, `${JSON.stringify({ ...this.stats, updatedAt: new Date().toISOString() })}\n`);
    await rename(`${file}.tmp`, file);
  }
}

/** Sends items one at a time: when one fails, it and those after it are tried again, never the ones already sent. */
export async function oneByOne(items: unknown[], send: (item: unknown) => Promise<void> | void): Promise<BatchOutcome | void> {
  for (let i = 0; i < items.length; i++) {
    try {
      await send(items[i]);
    } catch (error) {
      if (i === 0) throw error;
      return { retry: items.slice(i).map((_, j) => i + j), rejected: [] };
    }
  }
}
