import type { FileHistory, History, HistoryStats } from '../history/history.ts';
import type { Logger } from '../log.ts';
import type { Connection } from './connection.ts';

/**
 * The cluster's history: every outcome goes to this machine's dump.log and
 * fail.log as in the embedded default, and to the deployment's `processed` hash
 * in Redis, which the enqueuer and the reconciler consult. Redis writes go out
 * on the worker's connection before that file's acknowledgement, so a file is
 * never acknowledged before it is marked.
 */
export class RedisHistory implements FileHistory {
  readonly #local: History;
  readonly #connection: Connection;
  readonly #logger: Logger;
  readonly #writes = new Set<Promise<unknown>>();

  constructor(local: History, connection: Connection, logger: Logger) {
    this.#local = local;
    this.#connection = connection;
    this.#logger = logger;
  }

  has(path: string): boolean {
    return this.#local.has(path);
  }

  isDone(path: string): boolean {
    return this.#local.isDone(path);
  }

  get size(): number {
    return this.#local.size;
  }

  get stats(): HistoryStats {
    return this.#local.stats;
  }

  markDone(path: string): void {
    this.#local.markDone(path);
    this.#mark(path, 'done');
  }

  markFailed(path: string, reason: string, details?: Record<string, unknown>): void {
    this.#local.markFailed(path, reason, details);
    this.#mark(path, 'failed');
  }

  /** Mark in Redis alone: the outcome is in this machine's logs already (a message for a file this machine finished before). */
  markRemote(path: string): void {
    this.#mark(path, this.#local.isDone(path) ? 'done' : 'failed');
  }

  #mark(path: string, status: 'done' | 'failed'): void {
    const { redis, keys } = this.#connection;
    const write = redis.broaptMark(keys.processed, keys.counts, path, status).catch((error: unknown) => {
      // The local logs hold the outcome; the message stays pending and the next delivery marks it again.
      this.#logger.warn({ err: error, path }, 'cannot record the outcome in Redis');
    });
    this.#writes.add(write);
    void write.finally(() => this.#writes.delete(write));
  }

  async flush(): Promise<void> {
    await Promise.all([this.#local.flush(), ...this.#writes]);
  }

  async close(): Promise<void> {
    await Promise.all(this.#writes);
    await this.#local.close();
  }
}
