import { beforeAll, describe, expect, it } from 'vitest';
import { startRedis, useRedis } from './helpers/redis.ts';
import { runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const server = useRedis();
const PASSWORD = 's3cret-password';

beforeAll(async () => {
  // Only this file's server: a deployment whose Redis wants a password.
  await server().client().config('SET', 'requirepass', PASSWORD);
});

/** A user's mistake: exit 2 and one line on stderr, no stack trace. */
async function mistake(args: string[], says: RegExp) {
  await ws().writeApi('example:\n  report: "true"\n');
  const result = await runCli(args, { ...ws().env, BROAPT_REDIS_PREFIX: server().prefix() });
  const lines = result.stderr.trim().split('\n');
  expect({ code: result.code, lines: lines.length, stack: /\n\s+at /.test(result.stderr) }, result.stderr).toEqual({ code: 2, lines: 1, stack: false });
  expect(lines[0]).toMatch(says);
}

describe('Redis URLs a user gets wrong', () => {
  it('a database the server does not have is refused, not silently database 0', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${server().port}/99`;
    await mistake(['status', '--redis', url], /database 99/);
    await mistake(['watch', '--redis', url], /database 99/);
  });

  it('a port out of range, a database that is no number', async () => {
    await mistake(['status', '--redis', 'redis://127.0.0.1:99999'], /not a Redis URL/);
    await mistake(['watch', '--redis', 'redis://127.0.0.1:99999/0'], /not a Redis URL/);
    await mistake(['status', '--redis', `redis://127.0.0.1:${server().port}/zero`], /database/);
  });

  it('a wrong password', async () => {
    await mistake(['status', '--redis', `redis://:wrong@127.0.0.1:${server().port}/0`], /password/);
    await mistake(['watch', '--redis', `redis://:wrong@127.0.0.1:${server().port}/0`], /password/);
  });

  it('a socket nobody listens on: watch gives up at once rather than retry forever', async () => {
    await mistake(['watch', '--redis', `unix:${ws().dir}/no-redis.sock`], /cannot reach Redis/);
  });
});

describe('a Redis that goes away under a worker', () => {
  it('does not keep the worker from stopping at the first SIGTERM', { timeout: 120_000 }, async () => {
    const own = await startRedis();
    await ws().writeApi('example:\n  report: "true"\n');
    const worker = startCli(['watch', '--redis', own.url], { ...ws().env, BROAPT_REDIS_PREFIX: own.prefix(), BROAPT_LOG_LEVEL: 'info' });
    try {
      await waitFor(() => worker.stderr().includes('taking files from the queue'), 30_000, 'the worker to start');
      await own.stop();
      worker.child.kill('SIGTERM');
      const result = await Promise.race([worker.done, new Promise((resolve) => setTimeout(resolve, 60_000, 'still running'))]);
      expect(result, worker.stderr().split('\n').filter((line) => !line.includes('ECONNREFUSED')).join('\n')).toMatchObject({ code: 0 });
    } finally {
      worker.child.kill('SIGKILL');
      await own.stop();
    }
  });
});
