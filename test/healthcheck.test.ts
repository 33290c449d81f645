/**
 * `broapt status --alive ROLE`, the containers' healthcheck: exit 0 only while
 * a core or worker on this host is running and reaching Redis, never merely
 * because Redis answers.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { useRedis } from './helpers/redis.ts';
import { runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const server = useRedis();
const workspace = useWorkspace();

const alive = async (role: string, env: Record<string, string>) => (await runCli(['status', '--alive', role], env)).code === 0;

describe('broapt status --alive', () => {
  test('a worker is alive while it runs, and not once it stopped or was killed', async () => {
    const ws = workspace();
    await ws.writeApi("example:\n  report: 'true'\n");
    const env = { ...ws.env, BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: server().prefix() };
    // Redis answers, but no worker runs on this host.
    const none = await runCli(['status', '--alive', 'worker'], env);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toEqual([expect.stringContaining('no worker')]);

    const first = startCli(['watch', '--jobs', '1'], env);
    await waitFor(() => alive('worker', env), 30_000, 'the worker to report alive');
    expect(await alive('core', env)).toBe(false);
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    expect(await alive('worker', env)).toBe(false);

    // Killed without a word: its heartbeat runs out.
    const second = startCli(['watch', '--jobs', '1'], env);
    await waitFor(() => alive('worker', env), 30_000, 'the second worker to report alive');
    second.child.kill('SIGKILL');
    await second.done;
    await waitFor(async () => !(await alive('worker', env)), 40_000, 'the killed worker to stop counting as alive');
  }, 120_000);

  test('the core (watch-pcaps queueing for the workers) is alive while it runs', async () => {
    const ws = workspace();
    await ws.writeApi("example:\n  report: 'true'\n");
    const folder = path.join(ws.dir, 'pcaps');
    await mkdir(folder);
    const env = { ...ws.env, BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: server().prefix() };
    const core = startCli(['watch-pcaps', '--engine', 'tshark', folder], { ...env, BROAPT_LOG_LEVEL: 'info' });
    await waitFor(() => alive('core', env), 30_000, 'the core to report alive');
    // Its stop signals are handled from here on.
    await waitFor(() => core.stderr().includes('watching for captures'), 30_000, 'the core to watch');
    core.child.kill('SIGTERM');
    await core.done;
    expect(await alive('core', env)).toBe(false);
  }, 120_000);

  test('an unknown role is a usage error', async () => {
    const result = await runCli(['status', '--alive', 'nobody'], { BROAPT_REDIS_URL: server().url });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('core or worker');
  });
});
