import dgram from 'node:dgram';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf, outageScenario, writeCaptureLogs } from './helpers/alerts.ts';
import { runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

interface SyslogMessage {
  pri: number;
  params: Record<string, string>;
  message: string;
}

/** An RFC 5424 line as a SIEM's parser reads it: header, our SD element, message. */
function parse(line: string): SyslogMessage {
  const match = /^<(\d+)>1 \S+ \S+ broapt \d+ alert \[broapt@32473((?: [a-z_0-9]+="(?:[^"\\\]]|\\["\\\]])*")*)\] (.*)$/s.exec(line);
  if (!match) throw new Error(`not an RFC 5424 line of ours: ${line}`);
  const params: Record<string, string> = {};
  for (const [, name, value] of match[2]!.matchAll(/ ([a-z_0-9]+)="((?:[^"\\\]]|\\["\\\]])*)"/g)) params[name!] = value!.replace(/\\(["\\\]])/g, '$1');
  return { pri: Number(match[1]), params, message: match[3]! };
}

/** The EICAR file 1 and benign file 2, analysed once by `scan` with `env`. */
async function scanTwo(env: Record<string, string>): Promise<void> {
  await ws().writeApi(EICAR_API);
  await writeCaptureLogs(ws().logs, [1, 2]);
  await addSample(ws(), 1, true);
  await addSample(ws(), 2, false);
  const result = await runCli(['scan'], { ...ws().env, ...env });
  expect(result.code, result.stderr).toBe(0);
}

function expectEicarAlert(messages: SyslogMessage[]): void {
  expect(messages).toHaveLength(1);
  const [alert] = messages;
  // local0 (16) × 8 + crit (2).
  expect(alert!.pri).toBe(130);
  expect(alert!.params).toMatchObject({ fuid: fuidOf(1), verdict: 'malicious', score: '100', ...EICAR_HASHES, uid: 'C1', orig_h: '192.0.2.10', resp_h: '203.0.113.1', host: 'evil1.example', uri: '/payload1.txt', rules: 'eicar_test_file' });
  expect(alert!.message).toContain('malicious file');
}

describe('syslog alerts', () => {
  it('sends one RFC 5424 datagram per malicious file to a UDP receiver, none for clean ones', async () => {
    const socket = dgram.createSocket('udp4');
    const messages: SyslogMessage[] = [];
    socket.on('message', (data) => messages.push(parse(data.toString())));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    await scanTwo({ BROAPT_ALERT_SYSLOG: `udp://127.0.0.1:${socket.address().port}` });
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.close();
    expectEicarAlert(messages);
  });

  it('writes newline-ended lines to a Unix stream socket', async () => {
    const socketPath = path.join(ws().dir, 'log.sock');
    const messages: SyslogMessage[] = [];
    const server = net.createServer((connection) => {
      let buffered = '';
      connection.on('data', (chunk) => {
        buffered += chunk.toString();
        for (let end; (end = buffered.indexOf('\n')) >= 0; buffered = buffered.slice(end + 1)) messages.push(parse(buffered.slice(0, end)));
      });
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    await scanTwo({ BROAPT_ALERT_SYSLOG: `unix:${socketPath}` });
    server.close();
    expectEicarAlert(messages);
  });

  it('sends datagrams to a Unix datagram socket, as /dev/log is', async () => {
    const socketPath = path.join(ws().dir, 'dev-log');
    const out = path.join(ws().dir, 'received');
    // Node cannot bind a Unix datagram socket; Python's standard library can, as syslog daemons do.
    const receiver = (await import('node:child_process')).spawn('python3', ['-c', `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('ready', flush=True)
with open(sys.argv[2], 'ab') as f:
    while True:
        f.write(s.recv(65536) + b'\\n'); f.flush()
`, socketPath, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise((resolve) => receiver.stdout!.once('data', resolve));
    try {
      await scanTwo({ BROAPT_ALERT_SYSLOG: `unix:${socketPath}` });
    } finally {
      receiver.kill();
    }
    expectEicarAlert((await fs.readFile(out, 'utf8')).trim().split('\n').map(parse));
  });

  it('frames lines by octet count over TCP and delivers every alert exactly once across a 5 s outage', async () => {
    const received = new Map<string, number>();
    const first: SyslogMessage[] = [];
    const sockets = new Set<net.Socket>();
    const server = net.createServer((connection) => {
      sockets.add(connection);
      connection.on('close', () => sockets.delete(connection));
      let buffered = Buffer.alloc(0);
      connection.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          const space = buffered.indexOf(0x20);
          const length = Number(buffered.subarray(0, space).toString());
          if (space < 0 || buffered.length < space + 1 + length) return;
          const message = parse(buffered.subarray(space + 1, space + 1 + length).toString());
          buffered = buffered.subarray(space + 1 + length);
          if (received.size === 0) first.push(message);
          received.set(message.params.id!, (received.get(message.params.id!) ?? 0) + 1);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const result = await outageScenario(ws(), {
      output: 'syslog',
      env: { BROAPT_ALERT_SYSLOG: `tcp://127.0.0.1:${port}` },
      count: () => received.size,
      async stop() {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
      restart: () => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve)),
    });
    server.close();
    expect(result.code).toBe(0);
    expectEicarAlert(first);
    expect([...received.values()]).toEqual([1, 1, 1]);
    expect([...received.keys()].map((id) => id.split(':')[0]).sort()).toEqual([fuidOf(1), fuidOf(3), fuidOf(5)]);
  }, 90_000);
});
