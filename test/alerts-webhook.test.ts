import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, fuidOf, spoolStates, writeCaptureLogs } from './helpers/alerts.ts';
import { startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

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
    await ws().writeApi(EICAR_API);
    await writeCaptureLogs(ws().logs, [1, 2, 3, 4, 5]);
    const receiver = await listen(new Map(), [], 0);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    const run = startCli(['watch', '--settle-time', '0.1'], {
      ...ws().env,
      BROAPT_ALERT_WEBHOOK: `http://127.0.0.1:${receiver.port}/hook`,
      BROAPT_ALERT_SECRET: SECRET,
    });
    await waitFor(() => receiver.received.size === 1, 30_000, 'the first alert');
    const [first] = [...receiver.received.values()][0]!;
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
      md5: '44d88612fea8a8f36de82e1278abb02f',
      sha1: '3395856ce81f2b7382dee72602f798b642f14140',
      sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    });
    expect((first!.findings as Array<{ rule: string }>).map((f) => f.rule)).toEqual(['eicar_test_file']);

    // The receiver goes down; three more files arrive, two of them EICAR.
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
    const downAt = Date.now();
    await addSample(ws(), 3, true);
    await addSample(ws(), 4, false);
    await addSample(ws(), 5, true);
    await waitFor(async () => (await ws().readLines('dump.log')).length === 5, 30_000, 'the files analysed while the receiver is down');
    await waitFor(async () => (await spoolStates(ws().logs)).some((s) => s.output === 'webhook' && s.failed > 0 && s.pending === 2), 30_000, 'failed deliveries spooled');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 5000 - (Date.now() - downAt))));
    const back = await listen(receiver.received, receiver.refused, receiver.port);

    await waitFor(() => receiver.received.size === 3, 30_000, 'the spooled alerts after the receiver came back');
    run.child.kill('SIGTERM');
    expect((await run.done).code).toBe(0);
    back.server.close();
    expect(receiver.refused).toEqual([]);
    expect([...receiver.received.values()].map((alerts) => alerts.length)).toEqual([1, 1, 1]);
    expect([...receiver.received.values()].map(([alert]) => alert!.fuid).sort()).toEqual([fuidOf(1), fuidOf(3), fuidOf(5)]);
    expect(await spoolStates(ws().logs)).toEqual([expect.objectContaining({ output: 'webhook', pending: 0, delivered: 3 })]);
  }, 90_000);
});
