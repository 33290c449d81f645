import fs from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from './helpers/redis.ts';
import { broaptName, runCli, startCli, useWorkspace, waitFor, type Workspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const server = useRedis();

type Worker = ReturnType<typeof startCli>;
const workers: Worker[] = [];

afterEach(async () => {
  // A failed test must not leave workers behind.
  for (const worker of workers.splice(0)) {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.done;
  }
});

/** The environment of a deployment: the workspace, a prefix of its own, and reclaim and reconcile times short enough for a test. */
function clusterEnv(w: Workspace, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...w.env,
    BROAPT_REDIS_URL: server().url,
    BROAPT_REDIS_PREFIX: prefix,
    BROAPT_SETTLE_TIME: '0',
    BROAPT_REDIS_RECLAIM: '2',
    BROAPT_REDIS_RECONCILE: '30',
    RUNS: path.join(w.dir, 'runs'),
    ...extra,
  };
}

/** Each run of the report command appends the file's path: the test counts app runs per file. */
async function writeCountingApi(w: Workspace): Promise<void> {
  await w.writeApi('example:\n  report: printf "%s\\n" "$BROAPT_PATH" >> "$RUNS"\n');
}

async function makeFiles(w: Workspace, n: number, content: (i: number) => string = (i) => `sample ${i}\n`): Promise<string[]> {
  const files: string[] = [];
  for (let folder = 0; folder * 500 < n; folder++) {
    const dir = path.join(w.dump, `d${folder}`);
    await fs.mkdir(dir, { recursive: true });
    for (let i = folder * 500; i < Math.min(n, (folder + 1) * 500); i++) {
      // BroAPT names carry the MIME type: no content sniffing per file.
      const file = path.join(dir, broaptName(i, 'text/plain', 'txt'));
      await fs.writeFile(file, content(i));
      files.push(file);
    }
  }
  return files;
}

function startWorker(env: Record<string, string>, jobs = 2): Worker {
  const worker = startCli(['watch', '--jobs', String(jobs)], env);
  workers.push(worker);
  return worker;
}

async function stopWorkers(list: Worker[]): Promise<void> {
  for (const worker of list) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
  for (const worker of list) {
    const result = await worker.done;
    if (result.signal !== 'SIGKILL') expect(result.code, result.stderr).toBe(0);
  }
}

/**
 * Wait until `total` files are processed. A loaded machine may be slow, so this
 * fails on a stall (no file finished for 30 s), not on a deadline, and shows
 * what the workers said.
 */
async function waitForProcessed(redis: Redis, prefix: string, total: number, list: Worker[]): Promise<void> {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const done = await redis.hlen(`${prefix}processed`).catch(() => last);
    if (done >= total) return;
    if (done !== last) [last, since] = [done, Date.now()];
    else if (Date.now() - since > 30_000) {
      for (const worker of list) console.log(worker.stderr().slice(-2000));
      throw new Error(`stalled at ${done} of ${total} files processed`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** How many times the report ran for each path. */
async function runsPerPath(w: Workspace): Promise<Map<string, number>> {
  const text = await fs.readFile(path.join(w.dir, 'runs'), 'utf8').catch(() => '');
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) if (line !== '') counts.set(line, (counts.get(line) ?? 0) + 1);
  return counts;
}

describe('cluster mode on a real redis-server', () => {
  it('3 workers process 3,000 files; a worker SIGKILLed mid-run has its files finished by the others', { timeout: 600_000 }, async () => {
    const w = ws();
    const prefix = server().prefix();
    const redis = server().client();
    await writeCountingApi(w);
    const files = await makeFiles(w, 3000);
    const env = clusterEnv(w, prefix);
    const enqueued = await runCli(['enqueue'], env);
    expect(enqueued.stdout).toMatch(/^queued 3000 of 3000 files/);
    const list = [startWorker(env), startWorker(env), startWorker(env)];
    await waitFor(async () => (await redis.hlen(`${prefix}processed`)) >= 600, 120_000, '600 files processed');
    const victim = list[0]!;
    victim.child.kill('SIGKILL');
    await victim.done;
    const consumers = (await redis.xinfo('CONSUMERS', `${prefix}queue`, 'apps')) as unknown[][];
    const mine = consumers.find((info) => String(info[1]).includes(`-${victim.child.pid}-`));
    const inFlight = Number(mine?.[3] ?? 0);
    expect(inFlight).toBeGreaterThan(0);
    await waitForProcessed(redis, prefix, 3000, list);
    const after = (await redis.xinfo('CONSUMERS', `${prefix}queue`, 'apps')) as unknown[][];
    expect(after.find((info) => info[1] === mine![1])?.[3]).toBe(0);
    await stopWorkers(list.slice(1));

    const runs = await runsPerPath(w);
    expect([...runs.keys()].sort()).toEqual([...files].sort());
    const twice = [...runs.values()].filter((n) => n > 1).length;
    console.log(`3 workers, 3000 files: killed worker held ${inFlight} files; ${twice} files ran twice`);
    expect(twice).toBeLessThanOrEqual(inFlight);
    expect(Object.values(await redis.hgetall(`${prefix}processed`)).every((status) => status === 'done')).toBe(true);
    // The dead worker's files were taken over: nothing is pending any more, in its name or another's.
    expect(await redis.xlen(`${prefix}queue`)).toBe(0);
    expect(await redis.hlen(`${prefix}queued`)).toBe(0);
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as Record<string, number>;
    expect(status).toMatchObject({ waiting: 0, pending: 0, done: 3000, failed: 0 });
  });

  it('survives a Redis restart without persistence: the reconciler rebuilds the queue, every file is processed, none finished before it again', { timeout: 600_000 }, async () => {
    const w = ws();
    const prefix = server().prefix();
    const redis = server().client();
    await writeCountingApi(w);
    const files = await makeFiles(w, 1000);
    const env = clusterEnv(w, prefix);
    expect((await runCli(['enqueue'], env)).code).toBe(0);
    const list = [startWorker(env), startWorker(env), startWorker(env)];
    await waitFor(async () => (await redis.hlen(`${prefix}processed`)) >= 300, 120_000, '300 files processed');
    const before = /run_id:(\w+)/.exec(await redis.info('server'))![1];
    // In the shared history before Redis loses its data: the reconciler must not queue these again.
    const finished = await w.readLines('dump.log');
    await server().restart();
    expect(/run_id:(\w+)/.exec(await redis.info('server'))![1]).not.toBe(before);
    // The workers notice the empty data set, rebuild the queue from the dump folder and finish.
    await waitForProcessed(redis, prefix, 1000, list);
    expect(list.some((worker) => worker.stderr().includes('Redis lost its data'))).toBe(true);
    await stopWorkers(list);
    const runs = await runsPerPath(w);
    expect([...runs.keys()].sort()).toEqual([...files].sort());
    expect(finished.length).toBeGreaterThanOrEqual(300);
    expect(finished.filter((file) => runs.get(file) !== 1)).toEqual([]);
  });

  it('runs the app once per distinct content: 1,000 copies of 10 files run it 10 times', { timeout: 600_000 }, async () => {
    const w = ws();
    const prefix = server().prefix();
    const redis = server().client();
    await writeCountingApi(w);
    await makeFiles(w, 1000, (i) => `distinct content ${i % 10}\n`);
    const env = clusterEnv(w, prefix);
    expect((await runCli(['enqueue'], env)).code).toBe(0);
    const list = [startWorker(env), startWorker(env)];
    await waitForProcessed(redis, prefix, 1000, list);
    await stopWorkers(list);
    const runs = await runsPerPath(w);
    expect([...runs.values()].reduce((a, b) => a + b, 0)).toBe(10);
    expect(Number(await redis.hget(`${prefix}counts`, 'cached'))).toBe(990);
    // Every copy has its own record (the workers share the logs folder here), answered from its original's.
    const records = await w.records();
    expect(records).toHaveLength(1000);
    const cached = records.filter((r) => r.cachedFrom !== undefined);
    expect(cached).toHaveLength(990);
    expect(cached.every((r) => typeof r.sha256 === 'string' && r.status === 'done' && (r.commands as unknown[]).length === 0)).toBe(true);
  });
});
