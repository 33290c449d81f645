import { GROUP, type Connection } from './connection.ts';
import { sleep } from './lock.ts';

/** One delivery of a file to this worker. */
export interface Message {
  id: string;
  path: string;
  /** How many times the file has been delivered, this time included. */
  deliveries: number;
}

/** What XREADGROUP and XAUTOCLAIM hand back: [id, [field, value, …]], fields null for a deleted entry. */
type RawEntry = [string, string[] | null];

function pathOf(fields: string[] | null): string | undefined {
  if (!fields) return undefined;
  const at = fields.indexOf('path');
  return at === -1 ? undefined : fields[at + 1];
}

export interface EnqueueCounts {
  /** Files put in the queue. */
  added: number;
  /** Files left out: already processed. */
  processed: number;
  /** Files left out: already waiting or running. */
  queued: number;
}

/** Paths per enqueue script call: big enough to amortise the round trip, small enough not to stall Redis. */
const BATCH = 500;

/**
 * The deployment's work queue: a Redis Stream read by the consumer group
 * `apps`. Acknowledged messages are deleted, so the stream holds exactly the
 * files waiting or running, and its length is what backpressure bounds.
 */
export class StreamQueue {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  /** Create the group (and the stream) unless they exist; from the start of the stream, so nothing enqueued earlier is skipped. */
  async ensureGroup(): Promise<void> {
    try {
      await this.#connection.redis.xgroup('CREATE', this.#connection.keys.queue, GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Files waiting or running. */
  async length(): Promise<number> {
    return this.#connection.redis.xlen(this.#connection.keys.queue);
  }

  /**
   * Enqueue every path that is neither processed nor queued (a failed one again
   * with retryFailed). Waits, between batches, while the queue holds `maxQueue`
   * files or more; with `wait: false` it stops there instead and leaves the rest
   * to a later call.
   */
  async enqueue(paths: string[], options: { retryFailed?: boolean; maxQueue: number; wait?: boolean }): Promise<EnqueueCounts & { deferred: number }> {
    const { redis, keys } = this.#connection;
    const counts = { added: 0, processed: 0, queued: 0, deferred: 0 };
    for (let start = 0; start < paths.length; ) {
      const room = options.maxQueue - (await this.length());
      if (room <= 0) {
        if (options.wait === false) {
          counts.deferred = paths.length - start;
          break;
        }
        await sleep(200);
        continue;
      }
      const batch = paths.slice(start, start + Math.min(BATCH, room));
      start += batch.length;
      const [added, processed, queued] = await redis.broaptEnqueue(keys.processed, keys.queued, keys.queue, options.retryFailed ? 1 : 0, ...batch);
      counts.added += added;
      counts.processed += processed;
      counts.queued += queued;
    }
    return counts;
  }

  /**
   * Record outcomes Redis does not know (it lost its data) from a history kept
   * elsewhere, so that no one queues those files again; returns how many it
   * recorded.
   */
  async markKnown(outcomes: Array<[path: string, status: 'done' | 'failed']>): Promise<number> {
    const { redis, keys } = this.#connection;
    let marked = 0;
    for (let start = 0; start < outcomes.length; start += BATCH) {
      const batch = outcomes.slice(start, start + BATCH);
      const statuses = await redis.hmget(keys.processed, ...batch.map(([path]) => path));
      const unknown = batch.filter((_, i) => statuses[i] === null);
      await Promise.all(unknown.map(([path, status]) => redis.broaptMark(keys.processed, keys.counts, path, status)));
      marked += unknown.length;
    }
    return marked;
  }

  /** Up to `count` new messages for `consumer`, waiting up to `blockMs` for one. Call on a connection of its own: it blocks. */
  async read(consumer: string, count: number, blockMs: number): Promise<Array<Message | { id: string; path: undefined }>> {
    const reply = (await this.#connection.redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', this.#connection.keys.queue, '>')) as
      | Array<[string, RawEntry[]]>
      | null;
    return (reply?.[0]?.[1] ?? []).map(([id, fields]) => ({ id, path: pathOf(fields), deliveries: 1 }) as Message | { id: string; path: undefined });
  }

  /**
   * Takes over up to `count` messages idle for `minIdleMs` (their worker died or
   * hangs), with their delivery counts; `cursor` walks the pending list across
   * calls. Entries deleted meanwhile are dropped by Redis.
   */
  async reclaim(consumer: string, minIdleMs: number, count: number, cursor: string): Promise<{ cursor: string; messages: Message[] }> {
    const { redis, keys } = this.#connection;
    const [next, entries] = (await redis.xautoclaim(keys.queue, GROUP, consumer, Math.round(minIdleMs), cursor, 'COUNT', count)) as [string, RawEntry[], string[]?];
    const messages: Message[] = [];
    if (entries.length === 0) return { cursor: next, messages };
    const pipeline = redis.pipeline();
    for (const [id] of entries) pipeline.xpending(keys.queue, GROUP, id, id, 1);
    const pending = (await pipeline.exec()) ?? [];
    entries.forEach(([id, fields], i) => {
      const path = pathOf(fields);
      const row = (pending[i]?.[1] as Array<[string, string, number, number]> | undefined)?.[0];
      if (path !== undefined) messages.push({ id, path, deliveries: row?.[3] ?? 1 });
    });
    return { cursor: next, messages };
  }

  /** Mark the messages as alive in this consumer's hands (no new delivery is counted). */
  async keep(consumer: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const { redis, keys } = this.#connection;
    await redis.broaptOwned(keys.queue, keys.queued, 'keep', GROUP, consumer, ...ids);
  }

  /** Put messages this consumer has not started back in the queue, for another worker to take at once. */
  async giveBack(consumer: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const { redis, keys } = this.#connection;
    await redis.broaptOwned(keys.queue, keys.queued, 'give', GROUP, consumer, ...ids);
  }

  /** Acknowledge a message; with a record, publish it on the results stream. */
  async ack(id: string, path: string, record: string, resultsMax: number): Promise<void> {
    const { redis, keys } = this.#connection;
    const rate = `${keys.rate}${Math.floor(Date.now() / 1000)}`;
    await redis.broaptAck(keys.queue, keys.queued, keys.results, rate, GROUP, id, path, record, resultsMax);
  }

  /**
   * Publish a record that no message stands for (an archive member the worker
   * queued itself) on the results stream, counted in the rate as an
   * acknowledged file's is.
   */
  async publish(record: string, resultsMax: number): Promise<void> {
    const { redis, keys } = this.#connection;
    const rate = `${keys.rate}${Math.floor(Date.now() / 1000)}`;
    await redis.multi().xadd(keys.results, 'MAXLEN', '~', resultsMax, '*', 'record', record).incr(rate).expire(rate, 120).exec();
  }

  /** Give a file up: into the dead-letter stream, out of the queue. */
  async deadLetter(message: Message, consumer: string): Promise<void> {
    const { redis, keys } = this.#connection;
    await redis.broaptDeadLetter(keys.queue, keys.queued, keys.dead, keys.counts, GROUP, message.id, message.path, message.deliveries, consumer);
  }

  /**
   * Drop consumers that hold nothing and have not read for `minIdleMs`: workers
   * that were killed, whose files others took over. A live worker reads every
   * second, and one dropped by mistake comes back with its next read.
   */
  async prune(minIdleMs: number): Promise<string[]> {
    const { redis, keys } = this.#connection;
    const consumers = (await redis.xinfo('CONSUMERS', keys.queue, GROUP)) as unknown[][];
    const gone: string[] = [];
    for (const info of consumers) {
      const [name, pending, idle] = ['name', 'pending', 'idle'].map((field) => info[info.indexOf(field) + 1]);
      if (Number(pending) === 0 && Number(idle) >= minIdleMs) {
        await redis.xgroup('DELCONSUMER', keys.queue, GROUP, String(name));
        gone.push(String(name));
      }
    }
    return gone;
  }

  /** Leave the group's consumer list, when this consumer holds nothing. */
  async leave(consumer: string): Promise<void> {
    const { redis, keys } = this.#connection;
    const pending = (await redis.xpending(keys.queue, GROUP, '-', '+', 1, consumer)) as unknown[];
    if (pending.length === 0) await redis.xgroup('DELCONSUMER', keys.queue, GROUP, consumer);
  }
}
