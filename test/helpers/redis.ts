import { afterAll, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from './redis-server.ts';

export { startRedis, type RedisServer };

/** One redis-server for the calling test file: started before its tests, stopped after them. */
export function useRedis(): () => RedisServer {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());
  return () => {
    if (!server) throw new Error('useRedis() is only usable inside a test');
    return server;
  };
}
