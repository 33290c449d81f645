import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_API, EICAR, scan, startDaemonCli, TOKEN, type RunningDaemon } from './helpers/daemon.ts';
import { makeWorkspace, runCli, waitFor, type Workspace } from './helpers/workspace.ts';

/** Connections an attacking address opens: past the daemon's descriptors (below) on their own. */
const PER_ATTACKER = 150;
/** The daemon's descriptor limit: some 35 it uses idle, and room for a few dozen connections. */
const NOFILE = 100;

let ws: Workspace;
let daemon: RunningDaemon;

beforeAll(async () => {
  ws = await makeWorkspace();
  await ws.writeApi(DAEMON_API);
  await ws.addFile('HTTP-F1.text.plain.txt', EICAR);
  await ws.addFile('HTTP-F6.application.x-env.bin', 'x');
  daemon = await startDaemonCli(ws, ['--connection-limit', '4', '--header-timeout', '1'], {}, ['prlimit', `--nofile=${NOFILE}`]);
});

afterAll(async () => {
  await daemon?.stop();
  await ws?.cleanup();
});

/** A slow-loris connection from `from`: it sends half a request's headers (or, `silent`, nothing) and holds on. */
function halfOpen(from: string, silent = false): Promise<{ closed: () => boolean; socket: net.Socket }> {
  const { hostname, port } = new URL(daemon.url);
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = net.connect({ host: hostname, port: Number(port), localAddress: from });
    socket.on('error', () => {});
    socket.on('close', () => (closed = true));
    // Read what comes (a 408, the end): the daemon's close is only seen by reading.
    socket.resume();
    socket.once('connect', () => {
      if (!silent) socket.write('GET /api/v1.0/list HTTP/1.1\r\nHost: daemon\r\nX-Slow: ');
      resolve({ closed: () => closed, socket });
    });
    socket.once('error', reject);
  });
}

describe('broapt daemon under a slow-loris attack', () => {
  it('keeps /healthz and scans answering while two addresses hold half-open connections, and drops theirs', { timeout: 60_000 }, async () => {
    const attackers = ['127.0.0.2', '127.0.0.3'];
    const held: Array<{ closed: () => boolean; socket: net.Socket }> = [];
    for (const from of attackers) for (let i = 0; i < PER_ATTACKER; i++) held.push(await halfOpen(from, i % 2 === 0));
    try {
      const health = await fetch(`${daemon.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
      expect(health.status).toBe(200);
      const answer = await scan(daemon, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' });
      expect(await answer.json()).toMatchObject({ status: 'done', report: { verdict: 'malicious' } });
      // Past the per-address limit a connection is closed at once; the ones within it once the header time is up.
      await waitFor(() => held.every((connection) => connection.closed()), 20_000, 'the daemon to close every half-open connection');
    } finally {
      for (const { socket } of held) socket.destroy();
    }
  });
});

describe('the daemon token', () => {
  it('is read from BROAPT_DAEMON_TOKEN_FILE, never in the environment a same-user process reads in /proc/<pid>/environ', async () => {
    const tokenFile = path.join(ws.dir, 'daemon.token');
    await fs.writeFile(tokenFile, `${TOKEN}-from-a-file\n`, { mode: 0o600 });
    const fromFile = await startDaemonCli(ws, [], { BROAPT_DAEMON_TOKEN: '', BROAPT_DAEMON_TOKEN_FILE: tokenFile });
    try {
      expect((await fromFile.request('/api/v1.0/list')).status).toBe(401);
      expect((await fromFile.request('/api/v1.0/list', { token: `${TOKEN}-from-a-file` })).status).toBe(200);
      const environ = await fs.readFile(`/proc/${fromFile.pid}/environ`, 'latin1');
      expect(environ).not.toContain(TOKEN);
      // The apps it runs learn neither the token nor where it is.
      const answer = await scan(fromFile, { name: 'HTTP-F6.application.x-env.bin', mime: 'application/x-env' }, { token: `${TOKEN}-from-a-file` });
      expect(((await answer.json()) as Record<string, any>).record.reports[0].details).toEqual({ token: 'unset', file: 'unset' });
    } finally {
      await fromFile.stop();
    }
    const missing = await runCli(['daemon', '--port', '0'], { ...ws.env, BROAPT_DAEMON_TOKEN: '', BROAPT_DAEMON_TOKEN_FILE: path.join(ws.dir, 'nope') });
    expect({ code: missing.code, lines: missing.stderr.trim().split('\n').length }).toEqual({ code: 2, lines: 1 });
    expect(missing.stderr).toContain('BROAPT_DAEMON_TOKEN_FILE');
  });
});
