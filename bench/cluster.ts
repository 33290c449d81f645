/**
 * Cluster mode: files/s with 1, 2 and 4 worker processes on one Redis, against
 * the embedded default (`broapt scan`) on the same files in the same run; and
 * the Redis memory a queued file costs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { connect } from '../source/redis/connection.ts';
import { StreamQueue } from '../source/redis/queue.ts';
import { startRedis } from '../test/helpers/redis-server.ts';
import { makeDump, writeTrivialApi } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));
const JOBS = 2;

function broapt(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<number | null>; started: Promise<void> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const started = new Promise<void>((resolve) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('taking files from the queue')) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, started };
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** Start `workers` worker processes, then time enqueueing `n` files until Redis has all of them processed. */
async function clusterRun(n: number, workers: number, env: NodeJS.ProcessEnv, redis: Redis, prefix: string, logs: string): Promise<number> {
  const list = Array.from({ length: workers }, (_, i) =>
    broapt(['watch', '--jobs', String(JOBS)], { ...env, BROAPT_REDIS_PREFIX: prefix, BROAPT_LOGS_PATH: path.join(logs, `w${i}`), BROAPT_LOG_LEVEL: 'info' }),
  );
  let s: number;
  try {
    await Promise.all(list.map((w) => w.started));
    s = await seconds(async () => {
      const enqueue = broapt(['enqueue'], { ...env, BROAPT_REDIS_PREFIX: prefix, BROAPT_LOGS_PATH: logs });
      if ((await enqueue.exited) !== 0) throw new Error('broapt enqueue failed');
      while ((await redis.hlen(`${prefix}processed`)) < n) await new Promise((resolve) => setTimeout(resolve, 20));
    });
  } finally {
    for (const w of list) w.child.kill('SIGTERM');
    await Promise.all(list.map((w) => w.exited));
  }
  const failed = Number(await redis.hget(`${prefix}counts`, 'failed'));
  if (failed > 0) throw new Error(`${failed} files failed in the cluster run`);
  return s;
}

/** Bytes of Redis memory per queued file: `n` typical dump-folder paths enqueued, nothing running. */
async function memoryPerQueuedFile(url: string, redis: Redis, n: number): Promise<{ bytes: number; pathLength: number }> {
  const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
  const connection = connect(url, 'bench:memory:', { persistent: false, name: 'bench' });
  try {
    const queue = new StreamQueue(connection);
    await queue.ensureGroup();
    const paths = Array.from({ length: n }, (_, i) => `/srv/zeek/extract_files/application/pdf/HTTP-F${String(i).padStart(17, '0')}.trace-2026-11-23.application.pdf.pdf`);
    const before = await used();
    await queue.enqueue(paths, { maxQueue: n + 1 });
    return { bytes: ((await used()) - before) / n, pathLength: paths[0]!.length };
  } finally {
    connection.redis.disconnect();
  }
}

export async function main(n = 3000): Promise<void> {
  console.log(`\n(5) Cluster mode: ${n} files, trivial report command, each worker process --jobs ${JOBS}; embedded default = broapt scan --jobs ${JOBS}`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-bench-cluster-'));
  const server = await startRedis();
  const redis = server.client();
  try {
    const dump = path.join(dir, 'dump');
    await makeDump(dump, n);
    await writeTrivialApi(path.join(dir, 'api'));
    const env = { ...process.env, BROAPT_API_ROOT: path.join(dir, 'api'), BROAPT_DUMP_PATH: dump, BROAPT_SETTLE_TIME: '0', BROAPT_LOG_LEVEL: 'warn', BROAPT_REDIS_URL: server.url };
    const embedded = await seconds(async () => {
      const scan = broapt(['scan', '--jobs', String(JOBS), dump], { ...env, BROAPT_REDIS_URL: '', BROAPT_LOGS_PATH: path.join(dir, 'logs-embedded') });
      if ((await scan.exited) !== 0) throw new Error('broapt scan failed');
    });
    console.log('     mode                 s      files/s  ratio to embedded');
    console.log(`     embedded default ${embedded.toFixed(2).padStart(6)} ${(n / embedded).toFixed(0).padStart(10)}      1.00x`);
    for (const workers of [1, 2, 4]) {
      const s = await clusterRun(n, workers, env, redis, `bench:${workers}:`, path.join(dir, `logs-${workers}`));
      const label = workers === 1 ? '1 worker' : `${workers} workers`;
      console.log(`     ${label.padEnd(16)} ${s.toFixed(2).padStart(6)} ${(n / s).toFixed(0).padStart(10)} ${`${(embedded / s).toFixed(2)}x`.padStart(10)}`);
    }
    const memory = await memoryPerQueuedFile(server.url, redis, 20_000);
    console.log(`     Redis memory per queued file: ${memory.bytes.toFixed(0)} bytes (20,000 files waiting, ${memory.pathLength}-character paths: stream entry + in-queue set)`);
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
