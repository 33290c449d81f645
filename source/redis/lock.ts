import type { Connection } from './connection.ts';

/**
 * A lock in Redis with an expiry and a fencing token. The expiry frees the lock
 * of a holder that crashed; while the holder lives it renews the lock. Each
 * acquisition gets a token larger than every earlier one, and writes made under
 * the lock check it (fencedHset), so a holder that stalled past its expiry
 * cannot undo the work of the one after it.
 */
export class FencedLock {
  readonly key: string;
  /** The fencing token: increases with every acquisition of any lock of the deployment. */
  readonly token: string;
  readonly #connection: Connection;
  readonly #renewal: NodeJS.Timeout;

  private constructor(connection: Connection, key: string, token: string, ttlMs: number) {
    this.#connection = connection;
    this.key = key;
    this.token = token;
    this.#renewal = setInterval(() => {
      connection.redis.broaptRenew(key, token, ttlMs).catch(() => {
        // A lost renewal shows up as a refused fenced write or a lock another holder took; nothing else to do here.
      });
    }, Math.max(10, ttlMs / 3));
    this.#renewal.unref();
  }

  /** A lock a script took under `token`: renew it from now on. */
  static adopt(connection: Connection, name: string, token: string, ttlMs: number): FencedLock {
    return new FencedLock(connection, connection.keys.lock + name, token, ttlMs);
  }

  /** The lock `name`, or undefined when someone else holds it. */
  static async tryAcquire(connection: Connection, name: string, ttlMs: number, options: { renew?: boolean } = {}): Promise<FencedLock | undefined> {
    const { redis, keys } = connection;
    const key = keys.lock + name;
    const token = await redis.broaptAcquire(key, keys.fence, ttlMs);
    if (token === null) return undefined;
    const lock = new FencedLock(connection, key, token, ttlMs);
    if (options.renew === false) lock.stopRenewing();
    return lock;
  }

  /** HSET hash field value, only while this lock is still held under this token; false when it is not. */
  async fencedHset(hash: string, field: string, value: string): Promise<boolean> {
    return (await this.#connection.redis.broaptFencedHset(this.key, hash, this.token, field, value)) === 1;
  }

  /** Stop renewing, for a holder that releases the lock by a script of its own. */
  stopRenewing(): void {
    clearInterval(this.#renewal);
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.#connection.redis.broaptRelease(this.key, this.token);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
