import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { silentLogger } from '../source/log.ts';
import { DiskWatermark, diskUsage, watermarkSettings } from '../source/engine/disk-watermark.ts';
import { appConfigHash } from '../source/redis/cache.ts';
import { connect, type Connection } from '../source/redis/connection.ts';
import { RedisInstallLock } from '../source/redis/install-lock.ts';
import { FencedLock, sleep } from '../source/redis/lock.ts';
import { StreamQueue } from '../source/redis/queue.ts';
import { useRedis } from './helpers/redis.ts';
import { runCli, startCli, useWorkspace, waitFor, type Workspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const server = useRedis();
const connections: Connection[] = [];
const children: Array<ReturnType<typeof startCli>> = [];

afterEach(async () => {
  for (const { redis } of connections.splice(0)) redis.disconnect();
  for (const child of children.splice(0)) {
    if (child.child.exitCode === null && child.child.signalCode === null) child.child.kill('SIGKILL');
    await child.done;
  }
});

function open(prefix: string): Connection {
  const connection = connect(server().url, prefix, { persistent: true, name: 'test' });
  connections.push(connection);
  return connection;
}

function env(w: Workspace, prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...w.env, BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: prefix, BROAPT_SETTLE_TIME: '0', RUNS: path.join(w.dir, 'runs'), ...extra };
}

function start(args: string[], environment: Record<string, string>) {
  const child = startCli(args, environment);
  children.push(child);
  return child;
}

async function stop(child: ReturnType<typeof startCli>) {
  child.child.kill('SIGTERM');
  const result = await child.done;
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function runCount(w: Workspace): Promise<number> {
  return (await fs.readFile(path.join(w.dir, 'runs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

describe('the Redis queue', () => {
  it('queues a file once, leaves processed ones out unless retrying failures, and defers past the bound', async () => {
    const prefix = server().prefix();
    const connection = open(prefix);
    const queue = new StreamQueue(connection);
    await queue.ensureGroup();
    expect(await queue.enqueue(['/a', '/b', '/c'], { maxQueue: 100 })).toEqual({ added: 3, processed: 0, queued: 0, deferred: 0 });
    expect(await queue.enqueue(['/a', '/d'], { maxQueue: 100 })).toEqual({ added: 1, processed: 0, queued: 1, deferred: 0 });
    await connection.redis.broaptMark(connection.keys.processed, connection.keys.counts, '/e', 'done');
    await connection.redis.broaptMark(connection.keys.processed, connection.keys.counts, '/f', 'failed');
    expect(await queue.enqueue(['/e', '/f'], { maxQueue: 100 })).toEqual({ added: 0, processed: 2, queued: 0, deferred: 0 });
    expect(await queue.enqueue(['/e', '/f'], { maxQueue: 100, retryFailed: true })).toEqual({ added: 1, processed: 1, queued: 0, deferred: 0 });
    // Backpressure: 5 files are queued; a bound of 6 takes one more and defers the rest.
    expect(await queue.enqueue(['/g', '/h', '/i'], { maxQueue: 6, wait: false })).toEqual({ added: 1, processed: 0, queued: 0, deferred: 2 });
    expect(await queue.length()).toBe(6);
    // Consumers: a killed worker that holds nothing is dropped once idle long enough; one holding a file is kept.
    const { redis, keys } = connection;
    await redis.xreadgroup('GROUP', 'apps', 'holder', 'COUNT', 1, 'STREAMS', keys.queue, '>');
    await redis.xreadgroup('GROUP', 'apps', 'empty-handed', 'COUNT', 0, 'STREAMS', keys.queue, '0');
    await sleep(60);
    expect(await queue.prune(50)).toEqual(['empty-handed']);
    expect(((await redis.xinfo('CONSUMERS', keys.queue, 'apps')) as unknown[][]).map((info) => info[1])).toEqual(['holder']);
  });

  it('enqueue waits while the queue is at its bound, and goes on as workers drain it', async () => {
    const w = ws();
    const prefix = server().prefix();
    await w.writeApi('example:\n  report: printf "%s\\n" "$BROAPT_PATH" >> "$RUNS"\n');
    for (let i = 0; i < 20; i++) await w.addFile(`f${i}`, `file ${i}`);
    const e = env(w, prefix, { BROAPT_REDIS_MAX_QUEUE: '5' });
    const enqueue = start(['enqueue'], e);
    const redis = server().client();
    await waitFor(async () => (await redis.xlen(`${prefix}queue`)) === 5, 10_000, '5 files queued');
    await sleep(500);
    expect(enqueue.child.exitCode).toBe(null);
    expect(await redis.xlen(`${prefix}queue`)).toBe(5);
    const worker = start(['watch', '--jobs', '1'], e);
    expect((await enqueue.done).stdout).toMatch(/^queued 20 of 20 files/);
    await waitFor(async () => (await runCount(w)) === 20, 30_000, '20 files processed');
    await stop(worker);
  });

  it('gives a file up after more than --max-retry deliveries: dead-letter stream, fail.log, failed in Redis; refuses paths out of the dump folder', async () => {
    const w = ws();
    const prefix = server().prefix();
    await w.writeApi('example:\n  report: printf "%s\\n" "$BROAPT_PATH" >> "$RUNS"\n');
    const file = await w.addFile('poison', 'x');
    const redis = server().client();
    const e = env(w, prefix, { BROAPT_REDIS_RECLAIM: '0.3' });
    expect((await runCli(['enqueue'], e)).code).toBe(0);
    // Anyone who can write to Redis can queue a path: one outside the dump folder, directly or through a linked folder.
    const outside = path.join(w.dir, 'secret');
    await fs.writeFile(outside, 'not for analysis');
    await fs.symlink(w.dir, path.join(w.dump, 'link'));
    const queue = new StreamQueue(open(prefix));
    await queue.enqueue([outside, path.join(w.dump, 'link', 'secret')], { maxQueue: 100 });
    expect(await runCli(['enqueue', w.dir], e)).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not in the dump folder/) });
    // Workers that died on it: delivered, never acknowledged, three times.
    const read = (await redis.xreadgroup('GROUP', 'apps', 'ghost', 'COUNT', 1, 'STREAMS', `${prefix}queue`, '>')) as Array<[string, Array<[string, string[]]>]>;
    const id = read[0]![1][0]![0];
    await redis.xclaim(`${prefix}queue`, 'apps', 'ghost', 0, id, 'RETRYCOUNT', 3);
    const worker = start(['watch', '--jobs', '1', '--max-retry', '3'], e);
    await waitFor(async () => (await redis.xlen(`${prefix}dead`)) === 1, 20_000, 'the file dead-lettered');
    await waitFor(async () => (await redis.hlen(`${prefix}processed`)) === 3, 20_000, 'the outside paths refused');
    await stop(worker);
    const [fields] = ((await redis.xrange(`${prefix}dead`, '-', '+')) as Array<[string, string[]]>).map(([, f]) => f);
    expect(fields).toEqual(['path', file, 'deliveries', '4', 'consumer', expect.any(String), 'id', id]);
    expect(await redis.hget(`${prefix}processed`, file)).toBe('failed');
    expect(await redis.xlen(`${prefix}queue`)).toBe(0);
    const failures = (await w.readLines('fail.log')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failures.find((f) => f.path === file)).toMatchObject({ deliveries: 4, reason: expect.stringMatching(/given up after 4 deliveries/) });
    expect(failures.filter((f) => /^refused: not in the dump folder/.test(String(f.reason)))).toHaveLength(2);
    expect(await runCount(w)).toBe(0);
  });
});

describe('install once across machines', () => {
  it('never runs one install twice at once, and runs it once in all', async () => {
    const prefix = server().prefix();
    const w = ws();
    await w.writeApi('example:\n  install: ["true"]\n  report: "true"\n');
    const config = await loadApiConfig(w.api, { defaultTimeoutMs: 1000 });
    const machines = [new RedisInstallLock(open(prefix), { logger: silentLogger() }), new RedisInstallLock(open(prefix), { logger: silentLogger() })];
    let running = 0;
    let most = 0;
    let runs = 0;
    const install = async () => {
      runs++;
      most = Math.max(most, ++running);
      await sleep(200);
      running--;
      return { commands: [] };
    };
    await Promise.all(machines.flatMap((lock) => [lock.around(config.example, install), lock.around(config.example, install)]));
    expect({ runs, most }).toEqual({ runs: 1, most: 1 });
  });

  it('frees the lock of a crashed holder when it expires, and fences off a holder that outlived its lock', async () => {
    const connection = open(server().prefix());
    const stale = await FencedLock.tryAcquire(connection, 'install:office', 100, { renew: false });
    expect(stale).toBeDefined();
    expect(await FencedLock.tryAcquire(connection, 'install:office', 100)).toBeUndefined();
    await sleep(150);
    const next = await FencedLock.tryAcquire(connection, 'install:office', 10_000);
    expect(Number(next!.token)).toBeGreaterThan(Number(stale!.token));
    expect(await stale!.fencedHset(connection.keys.installed, 'office', 'stale')).toBe(false);
    await stale!.release();
    expect(await next!.fencedHset(connection.keys.installed, 'office', 'fresh')).toBe(true);
    expect(await connection.redis.hget(connection.keys.installed, 'office')).toBe('fresh');
    await next!.release();
  });
});

describe('result cache, tail and status', () => {
  it('answers identical files from the cache, keyed by the app config, bypassed by --no-cache; tail and status follow', async () => {
    const w = ws();
    const prefix = server().prefix();
    const redis = server().client();
    const api = (rules: string) => `example:\n  environ:\n    RULES: ${rules}\n  report: printf "%s\\n" "$BROAPT_PATH" >> "$RUNS"\n`;
    await w.writeApi(api('v1'));
    const e = env(w, prefix, { BROAPT_CACHE_TTL: '600' });
    const round = async (names: string[], total: number, args: string[] = []) => {
      for (const name of names) await w.addFile(name, 'same bytes');
      const worker = start(['watch', '--jobs', '1', ...args], e);
      expect((await runCli(['enqueue'], e)).code).toBe(0);
      await waitFor(async () => (await redis.hlen(`${prefix}processed`)) === total, 20_000, `${total} files processed`);
      await stop(worker);
    };
    await round(['a0', 'a1', 'a2'], 3);
    expect(await runCount(w)).toBe(1);
    await round(['b3'], 4, ['--no-cache']);
    expect(await runCount(w)).toBe(2);
    // A new rule set is another app config: the old verdict is not served.
    await w.writeApi(api('v2'));
    await round(['c4', 'd5'], 6);
    expect(await runCount(w)).toBe(3);
    const keys = await redis.keys(`${prefix}cache:*`);
    expect(keys).toHaveLength(2);
    // As the worker loads it: BROAPT_TIMEOUT's default is part of the app's config.
    const current = appConfigHash((await loadApiConfig(w.api, { defaultTimeoutMs: 300_000 })).example);
    expect(keys.filter((key) => key.endsWith(`:${current}`))).toHaveLength(1);
    for (const key of keys) expect(await redis.ttl(key)).toBeGreaterThan(500);

    const tail = await runCli(['tail', '--from-start', '--count', '6'], e);
    const records = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => path.basename(String(r.path))).sort()).toEqual(['a0', 'a1', 'a2', 'b3', 'c4', 'd5']);
    expect(records.filter((r) => r.cachedFrom !== undefined)).toHaveLength(3);
    const status = JSON.parse((await runCli(['status', '--json'], e)).stdout) as Record<string, unknown>;
    expect(status).toMatchObject({ waiting: 0, pending: 0, done: 6, failed: 0, dead: 0, cached: 3 });
    expect((await runCli(['status'], e)).stdout).toMatch(/processed {4}6 done, 0 failed \(0 dead-lettered\), 3 answered from the cache/);
  });

  it('says what to do when Redis is not given, not a URL, or not reachable', async () => {
    const w = ws();
    const none = await runCli(['status'], { ...w.env, BROAPT_REDIS_URL: '' });
    expect(none).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs a Redis: give --redis/) });
    const bad = await runCli(['enqueue', '--redis', 'localhost:6379'], w.env);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringMatching(/--redis="localhost:6379" is not a Redis URL/) });
    const down = await runCli(['tail', '--redis', 'redis://127.0.0.1:1'], w.env);
    expect(down).toMatchObject({ code: 2, stderr: expect.stringMatching(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/) });
  });
});

describe('disk watermark', () => {
  it('holds a feeder above the high watermark until usage falls under the low one', async () => {
    const os = await import('node:os');
    const used = await diskUsage(os.tmpdir());
    expect(used).toBeGreaterThanOrEqual(0);
    expect(used).toBeLessThan(1);
    expect(await new DiskWatermark(os.tmpdir(), { high: 1, low: 0.99 }).ready()).toBe(true);

    const levels = [0.95, 0.85, 0.82, 0.79, 0.85];
    let measured = 0;
    const watermark = new DiskWatermark('/dump', { high: 0.9, low: 0.8, pollMs: 1, usage: async () => levels[measured++]! });
    expect(await watermark.ready()).toBe(true);
    // 0.95: held; 0.85 and 0.82 are under the high mark but not under the low one; 0.79 frees it.
    expect(measured).toBe(4);
    expect(watermark.holding).toBe(false);
    // Not held: 0.85 is under the high mark.
    expect(await watermark.ready()).toBe(true);
    expect(measured).toBe(5);
    expect(watermarkSettings({ BROAPT_DISK_HIGH: '95', BROAPT_DISK_LOW: '70' })).toEqual({ high: 0.95, low: 0.7 });
    expect(() => watermarkSettings({ BROAPT_DISK_HIGH: '70', BROAPT_DISK_LOW: '80' })).toThrow(/must be below BROAPT_DISK_HIGH/);
  });
});
