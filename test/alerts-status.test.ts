import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EICAR_HASHES, fuidOf } from './helpers/alerts.ts';
import { DAEMON_API, EICAR, scan, startDaemonCli } from './helpers/daemon.ts';
import { parsePrometheusText, valueOf } from './helpers/prometheus.ts';
import { broaptName, runCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('delivery counts', () => {
  it('/metrics and broapt status count pending and failed deliveries; the next start delivers what is spooled', async () => {
    await ws().writeApi(DAEMON_API);
    const port = await freePort();
    const env = { BROAPT_ALERT_WEBHOOK: `http://127.0.0.1:${port}/hook` };
    const name = broaptName(1, 'text/plain', 'txt');
    await ws().addFile(name, EICAR);
    const daemon = await startDaemonCli(ws(), [], env);
    try {
      expect((await scan(daemon, { name, mime: 'text/plain' })).status).toBe(200);
      const metric = async (family: string) => valueOf(parsePrometheusText(await (await daemon.request('/metrics')).text()), family, { output: 'webhook' });
      await waitFor(async () => (await metric('broapt_output_failed_total')) >= 2, 30_000, 'failed deliveries in /metrics');
      expect(await metric('broapt_output_pending')).toBe(1);
      expect(await metric('broapt_output_delivered_total')).toBe(0);
      expect(daemon.stderr()).toContain(`detection: MALICIOUS 100 ${ws().dump}/${name} fuid=${fuidOf(1)} sha256=${EICAR_HASHES.sha256} eicar`);
    } finally {
      expect((await daemon.stop()).code).toBe(0);
    }

    const down = await runCli(['status'], ws().env);
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^outputs\n {2}webhook {2}1 pending, \d+ failed attempts, 0 delivered, 0 rejected \(last error: fetch failed\) {2}\S+\/spool\/[^/]+\/webhook\n$/);

    // The receiver is back: the next start, with nothing new to analyse, delivers the spooled alert.
    const received: string[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
    expect((await runCli(['scan'], { ...ws().env, ...env })).code).toBe(0);
    receiver.close();
    expect(received.map((body) => (JSON.parse(body) as { fuid: string }).fuid)).toEqual([fuidOf(1)]);
    const up = JSON.parse((await runCli(['status', '--json'], ws().env)).stdout) as { outputs: Array<Record<string, unknown>> };
    expect(up.outputs).toEqual([expect.objectContaining({ output: 'webhook', pending: 0, delivered: 1 })]);
  }, 90_000);
});
