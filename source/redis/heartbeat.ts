import os from 'node:os';
import type { Connection } from './connection.ts';
import { settlesWithin } from './settles-within.ts';

/** The long-running services of a deployment that report they are alive. */
export const ROLES = ['core', 'worker'] as const;
export type Role = (typeof ROLES)[number];

const EVERY_MS = 5_000;
/** Three missed beats: a service stuck (or cut off from Redis) that long is not working. */
const TTL_MS = 3 * EVERY_MS;
const STOP_MS = 2_000;

/** One key per role and host: a container's healthcheck runs on the host (the container) it checks. */
const keyOf = ({ keys }: Connection, role: Role, host: string) => `${keys.alive}${role}:${host}`;

/**
 * Sets the role's key for this host, with an expiry, every few seconds from
 * the service's own event loop: the key lives only while the service runs and
 * reaches Redis. The returned stop removes it at once (a clean stop), or
 * gives up after STOP_MS: a Redis that has gone would hold the delete until it
 * came back (the client queues commands), and the key expires anyway.
 */
export function startHeartbeat(connection: Connection, role: Role): () => Promise<void> {
  const key = keyOf(connection, role, os.hostname());
  const beat = () => void connection.redis.set(key, String(Date.now()), 'PX', TTL_MS).catch(() => {});
  beat();
  const timer = setInterval(beat, EVERY_MS);
  return async () => {
    clearInterval(timer);
    await settlesWithin(connection.redis.del(key).catch(() => {}), STOP_MS);
  };
}

export async function isAlive(connection: Connection, role: Role, host = os.hostname()): Promise<boolean> {
  return (await connection.redis.exists(keyOf(connection, role, host))) === 1;
}
