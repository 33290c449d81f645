import { createHash } from 'node:crypto';
import { closeSync, fstatSync, read, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ApiConfig, App } from '../api/app.ts';
import { matchApp } from '../api/match.ts';
import type { Entry } from '../entry/entry.ts';
import type { Logger } from '../log.ts';
import type { AnalysedRecord, ResultCache } from '../pipeline/result-cache.ts';
import { openNoFollow } from '../report/open.ts';
import type { Connection } from './connection.ts';
import { FencedLock, sleep } from './lock.ts';

const CHUNK = 1 << 20;
const readAt = promisify(read);
/** A worker analysing a file holds its key this long, renewed while it lives. */
const COMPUTE_LOCK_MS = 30_000;

/** Files up to this size are hashed in one synchronous read: cheaper than the four thread-pool trips of the async way. */
const SMALL = 1 << 20;

/**
 * sha256 of a regular file, never through a symbolic link, read through the
 * one descriptor that was checked: a FIFO swapped in must not block the open,
 * and a second open by name could find another file.
 */
export async function sha256Of(file: string): Promise<string> {
  const fd = openNoFollow(file);
  if (fd === undefined) throw new Error(`${file} is not a regular file that can be opened: not hashed`);
  try {
    const { size } = fstatSync(fd);
    if (size <= SMALL) return createHash('sha256').update(readFileSync(fd)).digest('hex');
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (let n; (n = (await readAt(fd, buffer, 0, CHUNK, null)).bytesRead) > 0; ) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}

/**
 * What an app's results depend on besides the file: everything api.yml says
 * about the app (commands, environment, workdir, timeout, …), but not where it
 * was declared. Changing any of it (a new rule set in `environ`, another report
 * command) changes the hash, so old verdicts are not served for the new app.
 */
export function appConfigHash(app: App): string {
  const { position: _position, ...config } = app;
  return createHash('sha256').update(stableJson(config)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The cluster's result cache: a done record stored under sha256 + app key +
 * app config hash, for `ttl` seconds. The same malware downloaded by 500 hosts
 * runs its app once: the first worker to meet a key holds its lock while it
 * analyses, and the copies that arrive meanwhile, on any machine, wait for its
 * record instead of running the app too. Failures are not cached: the next copy
 * runs the app again.
 */
export class RedisResultCache implements ResultCache {
  readonly #connection: Connection;
  readonly #config: ApiConfig;
  readonly #ttl: number;
  readonly #read: boolean;
  readonly #logger: Logger;
  /** Keys this process is computing: copies in this process wait here rather than poll Redis. */
  readonly #computing = new Map<string, Promise<AnalysedRecord | undefined>>();

  constructor(connection: Connection, config: ApiConfig, options: { ttl: number; noCache: boolean; logger: Logger }) {
    this.#connection = connection;
    this.#config = config;
    this.#ttl = options.ttl;
    this.#read = !options.noCache;
    this.#logger = options.logger;
  }

  async through(entry: Entry, analyse: () => Promise<AnalysedRecord | undefined>): Promise<AnalysedRecord | undefined> {
    let sha256: string;
    try {
      sha256 = await sha256Of(entry.path);
    } catch {
      // The processor reports an unreadable file better than we can.
      return analyse();
    }
    const { redis, keys } = this.#connection;
    const name = `${sha256}:${appConfigHash(matchApp(this.#config, entry.mime).app)}`;
    const key = keys.cache + name;
    if (!this.#read) return this.#stored(key, name, '', sha256, await analyse());
    for (;;) {
      const local = this.#computing.get(key);
      if (local) {
        const record = await local;
        if (record?.status === 'done') return this.#answer(entry, record);
        continue;
      }
      const claim = await redis.broaptCacheClaim(key, keys.lock + name, keys.fence, COMPUTE_LOCK_MS);
      if (claim[0] === 'hit') return this.#answer(entry, JSON.parse(claim[1]) as AnalysedRecord);
      if (claim[0] === 'busy') {
        await this.#awaitOther(key, keys.lock + name);
        continue;
      }
      const token = claim[1];
      const lock = FencedLock.adopt(this.#connection, name, token, COMPUTE_LOCK_MS);
      const computing = (async () => {
        let record: AnalysedRecord | undefined;
        try {
          record = await analyse();
          return record;
        } finally {
          lock.stopRenewing();
          this.#computing.delete(key);
          this.#stored(key, name, token, sha256, record);
        }
      })();
      this.#computing.set(key, computing);
      return computing;
    }
  }

  /** Wait while another worker holds the key's lock: its record lands in the cache, or the lock goes (a failure, a crash). */
  async #awaitOther(key: string, lockKey: string): Promise<void> {
    const { redis } = this.#connection;
    for (let delay = 10; ; delay = Math.min(delay * 2, 250)) {
      await sleep(delay);
      const [value, held] = await Promise.all([redis.exists(key), redis.exists(lockKey)]);
      if (value === 1 || held === 0) return;
    }
  }

  /**
   * Store a done record and release the key's lock, in one script. Not awaited:
   * this connection sends commands in order, so a copy in this process asks
   * only after the record is there, and copies elsewhere poll for it.
   */
  #stored(key: string, name: string, token: string, sha256: string, record: AnalysedRecord | undefined): AnalysedRecord | undefined {
    const { redis, keys } = this.#connection;
    const value = record?.status === 'done' ? JSON.stringify({ ...contentOnly(record), sha256: record.sha256 ?? sha256, commands: [] }) : '';
    redis.broaptCacheStore(key, keys.lock + name, token, value, this.#ttl).catch((error: unknown) => {
      this.#logger.warn({ err: error, path: record?.path }, 'cannot store the result in the cache; identical files will run their app again');
    });
    return record;
  }

  /** The identical file's record, told apart as this file's: its own path and name, no command run. */
  #answer(entry: Entry, record: AnalysedRecord): AnalysedRecord {
    void this.#connection.redis.hincrby(this.#connection.keys.counts, 'cached', 1).catch(() => {});
    return {
      ...contentOnly(record),
      path: entry.path,
      fuid: entry.fuid,
      protocol: entry.protocol,
      pcap: entry.pcap,
      mime: entry.mime.name,
      commands: [],
      cachedFrom: record.cachedFrom ?? record.path,
    };
  }
}

/**
 * What a record says about the file's content, not about where the file sat:
 * an identical file may be a member of another archive, or of none (the
 * processor gives each record its own origin).
 */
function contentOnly(record: AnalysedRecord): AnalysedRecord {
  const { parentFuid: _parent, archivePath: _member, ...content } = record;
  return content;
}
