import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EICAR_HASHES, fuidOf, outageScenario, spoolStates } from './helpers/alerts.ts';
import { useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();
const SECRET = 'a-shared-secret-for-the-test';

/** A SIEM's webhook: takes only bodies signed with the secret, and counts each alert id it got. */
function listen(received: Map<string, Array<Record<string, unknown>>>, refused: number[], port: number) {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-broapt-signature'] ?? ''));
      if (given.length !== expected.length || !timingSafeEqual(given, expected) || !/^\d+$/.test(String(req.headers['x-broapt-timestamp']))) {
        refused.push(Date.now());
        res.writeHead(401).end();
        return;
      }
      const alert = JSON.parse(body.toString()) as Record<string, unknown>;
      received.set(String(alert.id), [...(received.get(String(alert.id)) ?? []), alert]);
      res.writeHead(204).end();
    });
  });
  return new Promise<{ server: http.Server; port: number; received: typeof received; refused: number[] }>((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, received, refused })),
  );
}

describe('webhook alerts', () => {
  it('POSTs one signed alert per malicious file with its Zeek context, none for clean ones, and delivers every alert exactly once across a 5 s outage', async () => {
    let receiver = await listen(new Map(), [], 0);
    const result = await outageScenario(ws(), {
      output: 'webhook',
      env: { BROAPT_ALERT_WEBHOOK: `http://127.0.0.1:${receiver.port}/hook`, BROAPT_ALERT_SECRET: SECRET },
      count: () => receiver.received.size,
      async stop() {
        receiver.server.closeAllConnections();
        await new Promise((resolve) => receiver.server.close(resolve));
      },
      async restart() {
        receiver = await listen(receiver.received, receiver.refused, receiver.port);
      },
    });
    expect(result.code).toBe(0);
    receiver.server.close();
    const [first] = receiver.received.get(`${fuidOf(1)}:${EICAR_HASHES.sha256}`)!;
    expect(first).toMatchObject({
      fuid: fuidOf(1),
      verdict: 'malicious',
      score: 100,
      mime: 'text/plain',
      protocol: 'HTTP',
      pcap: 'test',
      parentFuid: null,
      conn_uids: ['C1'],
      'id.orig_h': '192.0.2.10',
      'id.resp_h': '203.0.113.1',
      sender: '203.0.113.1',
      host: 'evil1.example',
      uri: '/payload1.txt',
      ...EICAR_HASHES,
    });
    expect((first!.findings as Array<{ rule: string }>).map((f) => f.rule)).toEqual(['eicar_test_file']);
    expect(receiver.refused).toEqual([]);
    expect([...receiver.received.values()].map((alerts) => alerts.length)).toEqual([1, 1, 1]);
    expect([...receiver.received.values()].map(([alert]) => alert!.fuid).sort()).toEqual([fuidOf(1), fuidOf(3), fuidOf(5)]);
    expect(await spoolStates(ws().logs)).toEqual([expect.objectContaining({ output: 'webhook', pending: 0, delivered: 3 })]);
  }, 90_000);
});
