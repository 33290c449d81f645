import { Redis, type RedisOptions } from 'ioredis';
import { BroaptError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { defineScripts, type Scripts } from './scripts.ts';

/** Every key of one deployment, each behind its prefix. */
export interface Keys {
  /** Stream of files to analyse, one message `{path}` each; read by the consumer group `apps`. */
  queue: string;
  /** Hash path → message id of every file waiting or running: what the reconciler must not enqueue again. */
  queued: string;
  /** Hash path → `done` | `failed`: the cluster's history. */
  processed: string;
  /** Hash of counters: done, failed, dead, cached. */
  counts: string;
  /** Stream of files given up after too many deliveries. */
  dead: string;
  /** Stream of FileRecords as JSON, for `broapt tail` and other followers. */
  results: string;
  /** Hash shared install key → hash of the install that ran. */
  installed: string;
  /** Counter handing out fencing tokens. */
  fence: string;
  /** Set once per Redis dataset; a worker seeing it change knows Redis lost its data. */
  epoch: string;
  /** Prefix of lock keys. */
  lock: string;
  /** Prefix of result-cache keys. */
  cache: string;
  /** Prefix of the per-second counters of finished files, for the rate `broapt status` shows. */
  rate: string;
  /** Prefix of the heartbeat keys of the running cores and workers (heartbeat.ts). */
  alive: string;
}

export const GROUP = 'apps';

export function keysOf(prefix: string): Keys {
  return {
    queue: `${prefix}queue`,
    queued: `${prefix}queued`,
    processed: `${prefix}processed`,
    counts: `${prefix}counts`,
    dead: `${prefix}dead`,
    results: `${prefix}results`,
    installed: `${prefix}installed`,
    fence: `${prefix}fence`,
    epoch: `${prefix}epoch`,
    lock: `${prefix}lock:`,
    cache: `${prefix}cache:`,
    rate: `${prefix}rate:`,
    alive: `${prefix}alive:`,
  };
}

export interface Connection {
  redis: Redis & Scripts;
  keys: Keys;
}

/**
 * A client for `url`. `persistent` clients (workers) ride out a Redis restart:
 * commands wait for the reconnection instead of failing. One-shot commands
 * (status, enqueue) fail fast with a message instead.
 */
export function connect(url: string, prefix: string, options: { persistent: boolean; name: string; logger?: Logger }): Connection {
  const common: RedisOptions = {
    connectionName: options.name,
    maxRetriesPerRequest: options.persistent ? null : 2,
    retryStrategy: (times) => (options.persistent || times <= 3 ? Math.min(times * 50, 1000) : null),
    // A reply lost with a dropped connection is sent again on the next one: every command we send is safe to repeat.
    autoResendUnfulfilledCommands: true,
  };
  const redis = url.startsWith('unix:') ? new Redis({ ...common, path: url.slice('unix:'.length) }) : new Redis(url, common);
  let lastError = '';
  redis.on('error', (error: Error) => {
    // ioredis reports each failed reconnection; one line per distinct error is enough.
    if (error.message === lastError) return;
    lastError = error.message;
    options.logger?.warn({ err: error, redis: redactUrl(url) }, 'redis connection error; retrying');
  });
  redis.on('ready', () => (lastError = ''));
  return { redis: defineScripts(redis), keys: keysOf(prefix) };
}

/** The URL without its password, for logs and messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A one-shot command's connection: fails with what to do when Redis cannot be
 * reached, refuses the password, or has no such database (ioredis would go on
 * in database 0).
 */
export async function connectOnce(url: string, prefix: string, name: string): Promise<Connection> {
  const connection = connect(url, prefix, { persistent: false, name });
  const where = redactUrl(url);
  const database = url.startsWith('unix:') ? 0 : Number(new URL(url).pathname.slice(1) || 0);
  // ioredis rejects the command with its retry count; the connection's own error says what is wrong.
  let cause: string | undefined;
  connection.redis.on('error', (error: Error) => (cause = error.message));
  try {
    await connection.redis.ping();
    if (database !== 0) await connection.redis.select(database);
  } catch (error) {
    connection.redis.disconnect();
    const message = (error as Error).message;
    if (/^(WRONGPASS|NOAUTH)/.test(message)) {
      throw new BroaptError('E_REDIS_AUTH', `Redis at ${where} refused the password (${message.split(/\.? /, 1)[0]}): give the right one in the URL (redis://:PASSWORD@host:port/db), --redis or BROAPT_REDIS_URL.`, { cause: error });
    }
    if (/DB index is out of range/.test(message)) {
      throw new BroaptError('E_REDIS_DB', `Redis at ${where} has no database ${database}: use one below its \`databases\` setting (16 by default) in the URL.`, { cause: error });
    }
    throw new BroaptError('E_REDIS', `cannot reach Redis at ${where} (${cause ?? message}): start it, or point --redis (BROAPT_REDIS_URL) at it.`, { cause: error });
  }
  return connection;
}
