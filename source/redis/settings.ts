import { UsageError } from '../errors.ts';
import { redactUrl } from './connection.ts';
import { number, pick } from '../settings.ts';

/** How a cluster deployment reaches and uses its Redis. Flags win over BROAPT_* variables, which win over defaults. */
export interface RedisSettings {
  /** `redis://[user:password@]host[:port][/db]`, `rediss://…` or `unix:/path` (BROAPT_REDIS_URL, --redis). */
  url: string;
  /** Put before every key, so deployments can share one Redis (BROAPT_REDIS_PREFIX, --prefix). */
  prefix: string;
  /** A delivered file untouched this long (ms) goes to another worker: its worker is taken for dead (BROAPT_REDIS_RECLAIM). */
  reclaimMs: number;
  /** How often (ms) one worker of the deployment lists the dump folder and enqueues what is neither processed nor queued (BROAPT_REDIS_RECONCILE). */
  reconcileMs: number;
  /** Seconds a cached result answers for identical files (BROAPT_CACHE_TTL); 0 turns the cache off. */
  cacheTtl: number;
  /** Do not answer from the cache (--no-cache); results are still stored. */
  noCache: boolean;
  /** Backpressure bound: enqueueing waits while this many files are waiting or running (BROAPT_REDIS_MAX_QUEUE). */
  maxQueue: number;
  /** Results kept in the results stream for `broapt tail` and other followers (BROAPT_REDIS_RESULTS). */
  resultsMax: number;
}

export interface RedisFlags {
  url?: string | undefined;
  prefix?: string | undefined;
  noCache?: boolean | undefined;
}

export const REDIS_OPTIONS = {
  redis: { type: 'string' },
  prefix: { type: 'string' },
} as const;

export const REDIS_HELP = `Redis (cluster mode):
  --redis URL         BROAPT_REDIS_URL     redis://host:port/db of the deployment's queue
  --prefix TEXT       BROAPT_REDIS_PREFIX  put before every key                 [broapt:]`;

/** The cluster's settings, or undefined when no Redis URL is given (the embedded default). */
export function resolveRedisSettings(flags: RedisFlags, env: NodeJS.ProcessEnv = process.env): RedisSettings | undefined {
  const url = pick(flags.url, '--redis', env, ['BROAPT_REDIS_URL']);
  if (!url) return undefined;
  checkRedisUrl(url.value, url.origin);
  const variable = (name: string, fallback: number, opts: { integer: boolean; min: number }) => number(pick(undefined, '', env, [name]), fallback, opts);
  return {
    url: url.value,
    prefix: pick(flags.prefix, '--prefix', env, ['BROAPT_REDIS_PREFIX'])?.value ?? 'broapt:',
    reclaimMs: variable('BROAPT_REDIS_RECLAIM', 60, { integer: false, min: 0.1 }) * 1000,
    reconcileMs: variable('BROAPT_REDIS_RECONCILE', 60, { integer: false, min: 0.1 }) * 1000,
    cacheTtl: variable('BROAPT_CACHE_TTL', 86_400, { integer: true, min: 0 }),
    noCache: flags.noCache === true,
    maxQueue: variable('BROAPT_REDIS_MAX_QUEUE', 100_000, { integer: true, min: 1 }),
    resultsMax: variable('BROAPT_REDIS_RESULTS', 100_000, { integer: true, min: 1 }),
  };
}

/** As resolveRedisSettings, for commands that cannot run without Redis. */
export function requireRedisSettings(command: string, flags: RedisFlags, env: NodeJS.ProcessEnv = process.env): RedisSettings {
  const settings = resolveRedisSettings(flags, env);
  if (!settings) throw new UsageError(`broapt ${command} needs a Redis: give --redis redis://host:port or set BROAPT_REDIS_URL.`, 'E_NO_REDIS');
  return settings;
}

/**
 * Refuse what ioredis would take wrongly: it throws a stack trace for a port
 * out of range and reads a database it cannot parse as 0. Whether the server
 * has the database is for connectOnce to find out.
 */
function checkRedisUrl(value: string, origin: string): void {
  const shape = 'give redis://[:password@]host[:port][/db], rediss://… or unix:/path/to/socket';
  const refuse = (why: string) => new UsageError(`${origin}=${JSON.stringify(redactUrl(value))} is not a Redis URL (${why}): ${shape}.`, 'E_SETTING');
  if (value.startsWith('unix:')) {
    if (value.length === 'unix:'.length) throw refuse('no socket path');
    return;
  }
  if (!/^rediss?:\/\//.test(value)) throw refuse('another scheme');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw refuse('a port is 1-65535, the host a name or an address');
  }
  if (parsed.hostname === '') throw refuse('no host');
  if (!/^\/?(\d{1,5})?$/.test(parsed.pathname)) throw refuse(`the database ${JSON.stringify(parsed.pathname.slice(1))} is not a number`);
}
