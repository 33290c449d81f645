import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A real redis-server on a free port, without persistence, in a folder of its own. */
export interface RedisServer {
  url: string;
  port: number;
  /** A key prefix no other test shares. */
  prefix(): string;
  /** A plain client for the test's own checks; closed with the server. */
  client(): Redis;
  /** Kill the server (SIGKILL: nothing is saved) and start a fresh, empty one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const launch = async () => {
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child = server;
    const deadline = Date.now() + 10_000;
    while (!(await ping(port))) {
      if (server.exitCode !== null) throw new Error(`redis-server exited ${server.exitCode} on port ${port}`);
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const kill = async () => {
    const server = child;
    child = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    prefix: () => `test:${randomUUID()}:`,
    client() {
      const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      redis.on('error', () => {});
      clients.push(redis);
      return redis;
    },
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      for (const redis of clients.splice(0)) redis.disconnect();
      await kill();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
