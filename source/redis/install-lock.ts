import { createHash } from 'node:crypto';
import type { App } from '../api/app.ts';
import type { Logger } from '../log.ts';
import type { InstallLock, InstallOutcome } from '../pool/install.ts';
import type { Connection } from './connection.ts';
import { FencedLock, sleep } from './lock.ts';

/** What an install does: another list of commands (or another place or environment) is another install. */
function installHash(app: App): string {
  return createHash('sha256').update(JSON.stringify([app.install, app.workdir, app.environ])).digest('hex').slice(0, 16);
}

/**
 * Install-once across machines for `shared` keys. A machine runs a key's install
 * only while it holds the key's Redis lock, so two machines never run it at
 * once; a crashed installer's lock expires. The success is written under the
 * lock's fencing token: an installer that stalled past its lock's expiry cannot
 * mark done an install the next holder is redoing.
 */
export class RedisInstallLock implements InstallLock {
  readonly #connection: Connection;
  readonly #ttlMs: number;
  readonly #logger: Logger;

  constructor(connection: Connection, options: { ttlMs?: number; logger: Logger }) {
    this.#connection = connection;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#logger = options.logger;
  }

  async around(app: App, install: () => Promise<InstallOutcome>): Promise<InstallOutcome> {
    const { redis, keys } = this.#connection;
    const done = installHash(app);
    const installed = async () => (await redis.hget(keys.installed, app.shared)) === done;
    for (let delay = 20; ; delay = Math.min(delay * 2, 500)) {
      if (await installed()) return { commands: [] };
      const lock = await FencedLock.tryAcquire(this.#connection, `install:${app.shared}`, this.#ttlMs);
      if (!lock) {
        await sleep(delay);
        continue;
      }
      try {
        // Another machine may have finished between our check and our lock.
        if (await installed()) return { commands: [] };
        const outcome = await install();
        if (outcome.reason === undefined && !(await lock.fencedHset(keys.installed, app.shared, done))) {
          this.#logger.warn({ shared: app.shared, token: lock.token }, 'install finished after its lock expired; another machine may install again');
        }
        return outcome;
      } finally {
        await lock.release().catch(() => {});
      }
    }
  }
}
