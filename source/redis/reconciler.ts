import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { listFiles } from '../pipeline/listing.ts';
import type { Logger } from '../log.ts';
import type { Connection } from './connection.ts';
import { FencedLock } from './lock.ts';
import type { EnqueueCounts, StreamQueue } from './queue.ts';

export interface ReconcileCounts extends EnqueueCounts {
  /** Regular files found. */
  listed: number;
  /** Files not enqueued because the queue was full (backpressure); a later round takes them. */
  deferred: number;
}

/**
 * Whether folder `dir`, symbolic links resolved, lies in `realRoot` (a real
 * path). Workers take only files in such folders: whoever can write to Redis
 * could queue any path. A folder that no longer exists passes: its file is
 * then reported missing.
 */
export async function inFolder(realRoot: string, dir: string): Promise<boolean> {
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined) return true;
  const relative = path.relative(realRoot, real);
  return relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative));
}

/** Enqueue every regular file under `roots` that is neither processed nor queued. */
export async function enqueueFolder(
  queue: StreamQueue,
  roots: string[],
  options: { exclude: string[]; retryFailed?: boolean; maxQueue: number; wait?: boolean },
): Promise<ReconcileCounts> {
  const listing = await listFiles(roots, options.exclude);
  return { listed: listing.files.length, ...(await queue.enqueue(listing.files, options)) };
}

/** The outcomes of the deployment's shared history (dump.log, fail.log), read afresh each round. */
export type PastOutcomes = () => Promise<{ done: ReadonlySet<string>; failed: ReadonlySet<string> }>;

/**
 * The dump folder is the source of truth: every `intervalMs` one worker of the
 * deployment (whichever takes the round's lock) lists it and enqueues what is
 * neither processed nor queued. New files reach the queue this way when nothing
 * else enqueues them, and a Redis that lost its data (a restart without
 * persistence) gets its queue back: `now()` runs a round at once for that.
 * Files the history on disk has an outcome for are marked processed in Redis
 * instead of queued: a Redis that lost its data would otherwise have every
 * worker analyse them again.
 */
export class Reconciler {
  readonly #connection: Connection;
  readonly #queue: StreamQueue;
  readonly #roots: string[];
  readonly #options: { exclude: string[]; maxQueue: number; intervalMs: number; pruneIdleMs: number; past: PastOutcomes; logger: Logger };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    connection: Connection,
    queue: StreamQueue,
    roots: string[],
    options: { exclude: string[]; maxQueue: number; intervalMs: number; pruneIdleMs: number; past: PastOutcomes; logger: Logger },
  ) {
    this.#connection = connection;
    this.#queue = queue;
    this.#roots = roots;
    this.#options = options;
  }

  start(): void {
    void this.now();
    this.#timer = setInterval(() => void this.now(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Run a round unless one runs here already or another worker ran one within the interval. */
  now(): Promise<void> {
    this.#running ??= this.#round().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #round(): Promise<void> {
    const { logger, intervalMs, exclude, maxQueue } = this.#options;
    try {
      // Held for the whole interval and never released: at most one round per interval across the deployment.
      const lock = await FencedLock.tryAcquire(this.#connection, 'reconcile', intervalMs, { renew: false });
      if (!lock) return;
      const listing = await listFiles(this.#roots, exclude);
      const { done, failed } = await this.#options.past();
      const fresh: string[] = [];
      const known: Array<[string, 'done' | 'failed']> = [];
      for (const file of listing.files) {
        if (done.has(file)) known.push([file, 'done']);
        else if (failed.has(file)) known.push([file, 'failed']);
        else fresh.push(file);
      }
      const remembered = await this.#queue.markKnown(known);
      const counts = { listed: listing.files.length, remembered, ...(await this.#queue.enqueue(fresh, { maxQueue, wait: false })) };
      if (counts.added > 0 || counts.deferred > 0 || remembered > 0) logger.info(counts, 'reconciled the queue with the dump folder');
      const gone = await this.#queue.prune(this.#options.pruneIdleMs);
      if (gone.length > 0) logger.info({ consumers: gone }, 'dropped workers that stopped and hold no file');
    } catch (error) {
      logger.warn({ err: error }, 'reconciling the queue with the dump folder failed; the next round tries again');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }
}
