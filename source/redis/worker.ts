import { randomBytes, randomUUID } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readHistory } from '../history/history.ts';
import type { Logger } from '../log.ts';
import type { FileRecord } from '../pipeline/record.ts';
import { followSummary, type PassOptions } from '../pipeline/scan.ts';
import type { BackendFactory, Session } from '../pipeline/session.ts';
import type { Summary } from '../pipeline/summary.ts';
import { IN_FLIGHT_PER_JOB } from '../pool/pool.ts';
import { RedisResultCache } from './cache.ts';
import { connect, redactUrl, type Connection } from './connection.ts';
import { startHeartbeat } from './heartbeat.ts';
import { settlesWithin } from './settles-within.ts';
import { RedisHistory } from './history.ts';
import { RedisInstallLock } from './install-lock.ts';
import { sleep } from './lock.ts';
import { StreamQueue, type Message } from './queue.ts';
import { inFolder, Reconciler } from './reconciler.ts';
import type { RedisSettings } from './settings.ts';

/** How long one XREADGROUP waits for a message: also how long a stop may wait for the read to return. */
const READ_BLOCK_MS = 1000;
/**
 * How long a stop waits for Redis to take its last commands (acknowledgements,
 * handing back unstarted files). Past it Redis is taken for gone: the
 * connections are dropped so the stop ends, and the files this worker still
 * holds go to other workers after the reclaim time, as a killed worker's do.
 */
const STOP_REDIS_MS = 5000;

/**
 * An app worker of a cluster deployment (`broapt watch --redis`): it takes files
 * from the deployment's queue instead of watching the dump folder itself, and
 * runs them through the same session as the embedded default, with Redis
 * behind the history, the install gate and the result cache.
 *
 * A file is acknowledged only after its outcome is recorded, so a worker that
 * dies leaves its files pending; any other worker takes them over once they sit
 * idle for `reclaimMs` (while alive, a worker keeps its files fresh), counting
 * deliveries, and gives a file up to the dead-letter stream and fail.log after
 * more than `--max-retry` deliveries.
 */
export class ClusterWorker {
  readonly consumer = `${os.hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly #settings: RedisSettings;
  #commands: Connection | undefined;
  #reader: Connection | undefined;
  #history: RedisHistory | undefined;
  #logger: Logger | undefined;
  /** Messages this worker holds: id → path. */
  readonly #inflight = new Map<string, string>();
  /** Messages handed back unstarted by a stop, to be put back in the queue. */
  readonly #unstarted: string[] = [];
  readonly #handling = new Set<Promise<void>>();
  readonly #skipped = new Set<string>();
  #stopping = false;
  #wake: (() => void) | undefined;
  #epoch: string | undefined;
  #cursor = '0-0';
  #ticking = false;
  /** Real path of the dump folder: queued paths outside it are refused. */
  #root = '';

  constructor(settings: RedisSettings) {
    this.#settings = settings;
  }

  /** For openSession: Redis behind the history, the install gate and the result cache. */
  readonly backend: BackendFactory = ({ config, history, logger }) => {
    const { url, prefix, cacheTtl, noCache } = this.#settings;
    this.#logger = logger;
    this.#commands = connect(url, prefix, { persistent: true, name: `broapt:${this.consumer}`, logger });
    this.#reader = connect(url, prefix, { persistent: true, name: `broapt:${this.consumer}:read`, logger });
    this.#history = new RedisHistory(history, this.#commands, logger);
    return {
      history: this.#history,
      installLock: new RedisInstallLock(this.#commands, { logger }),
      ...(cacheTtl > 0 ? { resultCache: new RedisResultCache(this.#commands, config, { ttl: cacheTtl, noCache, logger }) } : {}),
    };
  };

  /** Take files from the queue until `stopRequested`; then let the running ones finish and hand back the rest. */
  async run(session: Session, options: PassOptions, stopRequested: Promise<unknown>): Promise<Summary> {
    const commands = this.#commands;
    const reader = this.#reader;
    const logger = this.#logger;
    if (!commands || !reader || !logger) throw new Error('ClusterWorker.run: open the session with this worker as its backend first');
    const queue = new StreamQueue(commands);
    const capacity = session.settings.jobs * IN_FLIGHT_PER_JOB;
    const { summary, detach } = followSummary(session.processor, options.onRecord);
    const onSkip = (file: string) => this.#skipped.add(file);
    session.processor.on('skip', onSkip);
    // Archive members are queued by the processor itself, not through Redis: no acknowledgement publishes their records.
    const onMember = (record: FileRecord) => {
      if (record.parentFuid === undefined) return;
      const publishing = queue.publish(JSON.stringify(record), this.#settings.resultsMax).catch((error: unknown) => {
        logger.warn({ err: error, path: record.path }, "cannot publish an archive member's record on the results stream; its outcome is in the logs and in Redis");
      });
      this.#handling.add(publishing);
      void publishing.finally(() => this.#handling.delete(publishing));
    };
    session.processor.on('record', onMember);
    const reconciler = new Reconciler(commands, queue, [session.settings.dumpPath], {
      exclude: session.ownFolders,
      maxQueue: this.#settings.maxQueue,
      intervalMs: this.#settings.reconcileMs,
      // Long past the time a live worker's files are taken over: it is gone for good.
      pruneIdleMs: Math.max(60_000, 10 * this.#settings.reclaimMs),
      // The workers share the logs folder: its history holds what any of them finished, which Redis may have lost.
      past: async () => {
        const { done, failed } = await readHistory(session.settings.logsPath);
        return { done, failed: session.settings.retryFailed ? new Set<string>() : failed };
      },
      logger,
    });
    const { reclaimMs } = this.#settings;
    this.#root = await realpath(session.settings.dumpPath);
    await this.#checkEpoch(queue, reconciler);
    reconciler.start();
    logger.info({ redis: redactUrl(this.#settings.url), prefix: this.#settings.prefix, consumer: this.consumer, capacity }, 'cluster worker: taking files from the queue');
    const stopHeartbeat = startHeartbeat(commands, 'worker');
    const keeper = setInterval(() => void queue.keep(this.consumer, [...this.#inflight.keys()]).catch(() => {}), Math.max(50, reclaimMs / 3));
    const reclaimer = setInterval(() => void this.#tick(session, queue, reconciler, capacity), Math.max(50, reclaimMs / 2));
    try {
      const reading = this.#readLoop(session, new StreamQueue(reader), queue, reconciler, capacity);
      await stopRequested;
      this.#stopping = true;
      this.#wake?.();
      // The clients wait for a Redis that has gone for as long as it takes (they ride out restarts), and
      // dropping them does not end what they wait on: a stop waits a bounded time, then leaves those waits behind.
      const readEnded = await settlesWithin(reading, 3 * READ_BLOCK_MS);
      await session.processor.idle();
      const handingOver = (async () => {
        while (this.#handling.size > 0) await Promise.all(this.#handling);
        await queue.giveBack(this.consumer, this.#unstarted.splice(0));
        await queue.leave(this.consumer);
      })();
      if (!readEnded || !(await settlesWithin(handingOver, STOP_REDIS_MS))) {
        logger.warn({ redis: redactUrl(this.#settings.url), held: this.#inflight.size }, 'Redis does not answer: stopping without it; the files this worker holds go to other workers after the reclaim time');
      }
    } finally {
      await stopHeartbeat();
      clearInterval(keeper);
      clearInterval(reclaimer);
      await settlesWithin(reconciler.stop(), STOP_REDIS_MS);
      session.processor.off('skip', onSkip);
      session.processor.off('record', onMember);
      detach();
    }
    return summary;
  }

  /** Close the connections, once the session (whose history writes to Redis) is closed. */
  async close(): Promise<void> {
    const quit = async (connection: Connection | undefined) => {
      if (connection && !(await settlesWithin(connection.redis.quit().catch(() => {}), STOP_REDIS_MS))) connection.redis.disconnect();
    };
    await Promise.all([quit(this.#commands), quit(this.#reader)]);
  }

  async #readLoop(session: Session, reader: StreamQueue, queue: StreamQueue, reconciler: Reconciler, capacity: number): Promise<void> {
    while (!this.#stopping) {
      const free = capacity - this.#inflight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      let messages;
      try {
        messages = await reader.read(this.consumer, free, READ_BLOCK_MS);
      } catch (error) {
        if (String((error as Error).message).startsWith('NOGROUP')) await this.#checkEpoch(queue, reconciler).catch(() => {});
        else {
          this.#logger?.warn({ err: error }, 'reading the queue failed; retrying');
          await sleep(250);
        }
        continue;
      }
      await this.#take(session, queue, messages);
    }
  }

  /** Periodically: notice a Redis that lost its data, and take over files whose worker died. */
  async #tick(session: Session, queue: StreamQueue, reconciler: Reconciler, capacity: number): Promise<void> {
    if (this.#ticking || this.#stopping) return;
    this.#ticking = true;
    try {
      await this.#checkEpoch(queue, reconciler);
      const free = capacity - this.#inflight.size;
      if (free <= 0) return;
      const { cursor, messages } = await queue.reclaim(this.consumer, this.#settings.reclaimMs, free, this.#cursor);
      this.#cursor = cursor;
      if (messages.length > 0) this.#logger?.info({ files: messages.length }, 'took over files idle past the reclaim time (their worker stopped)');
      await this.#take(session, queue, messages);
    } catch (error) {
      this.#logger?.warn({ err: error }, 'reclaiming idle files failed; retrying');
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Each deployment's data set carries a random epoch. A missing or different
   * one means Redis lost its data (a restart without persistence): the group is
   * made again and the reconciler rebuilds the queue from the dump folder.
   */
  async #checkEpoch(queue: StreamQueue, reconciler: Reconciler): Promise<void> {
    const { redis, keys } = this.#commands!;
    const known = this.#epoch;
    let current = await redis.get(keys.epoch);
    if (current !== null && current === known) return;
    if (current === null) {
      await redis.set(keys.epoch, randomUUID(), 'NX');
      current = await redis.get(keys.epoch);
    }
    this.#epoch = current ?? undefined;
    await queue.ensureGroup();
    if (known === undefined) return;
    this.#logger?.warn({ redis: redactUrl(this.#settings.url) }, 'Redis lost its data (restarted without persistence?): rebuilding the queue from the dump folder');
    void reconciler.now();
  }

  async #take(session: Session, queue: StreamQueue, messages: Array<Message | { id: string; path: undefined }>): Promise<void> {
    for (const message of messages) this.#inflight.set(message.id, message.path ?? '');
    const files = messages.filter((m): m is Message => m.path !== undefined);
    const { redis, keys } = this.#commands!;
    const statuses = files.length > 0 ? await redis.hmget(keys.processed, ...files.map((m) => m.path)) : [];
    for (const message of messages) {
      if (message.path === undefined) this.#handle(() => queue.ack(message.id, '', '', this.#settings.resultsMax), message.id);
    }
    files.forEach((message, i) => {
      // A file processed already (a copy a reconciler made, a delivery whose acknowledgement was lost) is only acknowledged.
      if (statuses[i] !== null) this.#handle(() => queue.ack(message.id, message.path, '', this.#settings.resultsMax), message.id);
      else if (message.deliveries > session.settings.maxRetry) this.#handle(() => this.#bury(queue, message), message.id);
      else this.#handle(() => this.#process(session, queue, message), message.id);
    });
  }

  #handle(work: () => Promise<boolean | void>, id: string): void {
    const handling = work()
      .then((kept) => kept === true)
      .catch((error: unknown) => {
        // Left pending: once idle past the reclaim time, a worker (maybe this one) takes it again.
        this.#logger?.warn({ err: error, id }, 'handling a queued file failed; it is retried after the reclaim time');
        return false;
      })
      .then((kept) => {
        if (!kept) this.#inflight.delete(id);
        this.#handling.delete(handling);
        this.#wake?.();
      });
    this.#handling.add(handling);
  }

  /** Resolves true when the file was handed back unstarted by a stop: the message stays ours until given back. */
  async #process(session: Session, queue: StreamQueue, message: Message): Promise<boolean> {
    const history = this.#history!;
    const resultsMax = this.#settings.resultsMax;
    if (!(await inFolder(this.#root, path.dirname(message.path)))) {
      this.#logger?.warn({ path: message.path, dumpPath: this.#root }, 'refused a queued path outside the dump folder');
      history.markFailed(message.path, `refused: not in the dump folder ${this.#root} (symbolic links resolved); only files in it are analysed`);
      await queue.ack(message.id, message.path, '', resultsMax);
      return false;
    }
    if (!history.has(message.path)) {
      const record = await session.processor.process(message.path);
      if (record) {
        await queue.ack(message.id, message.path, JSON.stringify(record), resultsMax);
        return false;
      }
      if (this.#skipped.delete(message.path)) {
        await queue.ack(message.id, message.path, '', resultsMax);
        return false;
      }
      if (!history.has(message.path)) {
        this.#unstarted.push(message.id);
        return true;
      }
    }
    // This machine's own logs have it (Redis lost its data since, or the file failed here this run).
    history.markRemote(message.path);
    await queue.ack(message.id, message.path, '', resultsMax);
    return false;
  }

  async #bury(queue: StreamQueue, message: Message): Promise<void> {
    const reason = `given up after ${message.deliveries} deliveries: every worker that took the file stopped before finishing it (see the dead-letter stream ${this.#commands!.keys.dead})`;
    this.#logger?.error({ path: message.path, deliveries: message.deliveries }, 'dead-lettered a file');
    this.#history!.markFailed(message.path, reason, { deliveries: message.deliveries });
    await queue.deadLetter(message, this.consumer);
  }
}
