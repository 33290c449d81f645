import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DAEMON_API, EICAR, startDaemonCli, type RunningDaemon } from './helpers/daemon.ts';
import { parsePrometheusText, valueOf } from './helpers/prometheus.ts';
import { useRedis } from './helpers/redis.ts';
import { makeWorkspace, runCli, startCli, waitFor, type Workspace } from './helpers/workspace.ts';

const server = useRedis();
const cleanups: Array<() => Promise<unknown>> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the dashboard and metrics in Redis mode', () => {
  it('show the files a cluster worker processed, read from the results stream and the queue', async () => {
    const ws: Workspace = await makeWorkspace();
    cleanups.push(() => ws.cleanup());
    await ws.writeApi(DAEMON_API);
    await ws.addFile('HTTP-FC1.text.plain.txt', EICAR);
    await ws.addFile('HTTP-FC2.text.plain.txt', 'clean');
    await ws.addFile('HTTP-FC3.application.x-broken.bin', 'x');
    const env = { ...ws.env, BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: server().prefix(), BROAPT_SETTLE_TIME: '0' };
    // The daemon keeps its own logs apart from the worker's.
    const daemon: RunningDaemon = await startDaemonCli(ws, [], { ...env, BROAPT_LOGS_PATH: path.join(ws.dir, 'daemon-logs') });
    cleanups.push(() => daemon.stop());
    const status = async () => (await (await daemon.request('/api/v1.0/status')).json()) as { counters: Record<string, number>; verdicts: Array<{ name: string; verdict: string }>; failures: Array<{ name: string }> };
    expect((await status()).counters).toEqual({ queued: 0, running: 0, completed: 0, failed: 0 });

    expect((await runCli(['enqueue'], env)).code).toBe(0);
    await waitFor(async () => (await status()).counters.queued === 3, 10_000, 'the queue depth on the dashboard');
    const worker = startCli(['watch', '--jobs', '1'], env);
    cleanups.push(async () => {
      if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await worker.done;
    });
    await waitFor(async () => {
      const { counters } = await status();
      return counters.completed === 2 && counters.failed === 1;
    }, 30_000, 'the worker\'s three records on the dashboard');
    const state = await status();
    expect(state.verdicts).toEqual([expect.objectContaining({ name: 'HTTP-FC1.text.plain.txt', verdict: 'malicious' })]);
    expect(state.failures).toEqual([expect.objectContaining({ name: 'HTTP-FC3.application.x-broken.bin' })]);
    await waitFor(async () => (await status()).counters.queued === 0, 10_000, 'an empty queue');

    const families = parsePrometheusText(await (await daemon.request('/metrics')).text());
    expect(valueOf(families, 'broapt_files_processed_total', { mime: 'text/plain', verdict: 'malicious' })).toBe(1);
    expect(valueOf(families, 'broapt_files_processed_total', { mime: 'text/plain', verdict: 'clean' })).toBe(1);
    expect(valueOf(families, 'broapt_files_failed_total', { mime: 'application/x-broken' })).toBe(1);
    worker.child.kill('SIGTERM');
    expect((await worker.done).code).toBe(0);
    expect((await daemon.stop()).code).toBe(0);
  });
});
