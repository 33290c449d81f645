import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { EICAR, scan, startDaemonCli, type RunningDaemon } from './helpers/daemon.ts';
import { makeWorkspace, type Workspace } from './helpers/workspace.ts';

/** What a BroAPT deployment sends, answered by a daemon that runs the shipped api.yml. */
let ws: Workspace;
let daemon: RunningDaemon;

/** The smallest file every sniffer calls a PE: the DOS header's magic, and the PE header it points to. */
function tinyPe(): Buffer {
  const file = Buffer.alloc(512);
  file.write('MZ', 0, 'latin1');
  file.writeUInt32LE(0x80, 0x3c);
  file.write('PE\0\0', 0x80, 'latin1');
  file.writeUInt16LE(0x14c, 0x84);
  return file;
}

beforeAll(async () => {
  ws = await makeWorkspace();
  await ws.addFile('HTTP-FD1x2Kq3jS8bDmC4hb.text.plain.txt', EICAR);
  await ws.addFile('HTTP-FImg0000000000001.image.png.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  await ws.addFile('extract-1700000000.123456-HTTP-FPe00000000000001', tinyPe());
  daemon = await startDaemonCli(ws, [], { BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws.dir, 'cache') });
}, 60_000);

afterAll(async () => {
  await daemon?.stop();
  await ws?.cleanup();
});

describe("the reference's clients against the shipped api.yml", () => {
  it("takes the file's fuid as the job id, on every route", async () => {
    const fuid = 'FD1x2Kq3jS8bDmC4hb';
    const answer = await scan(daemon, { name: `HTTP-${fuid}.text.plain.txt`, mime: 'text/plain', uuid: fuid });
    const job = (await answer.json()) as Record<string, any>;
    expect(answer.status, JSON.stringify(job)).toBe(200);
    expect(job).toMatchObject({ id: fuid, status: 'done', report: { verdict: 'malicious' } });
    expect(await (await daemon.request(`/api/v1.0/report/${fuid}`)).json()).toMatchObject({ id: fuid, status: 'done' });
    expect((await daemon.request(`/api/v1.0/report/${fuid.toLowerCase()}`)).status).toBe(404);
    expect(await (await daemon.request(`/api/v1.0/delete/${fuid}`, { method: 'DELETE' })).json()).toMatchObject({ id: fuid, deleted: true });
    for (const bad of ['a'.repeat(65), 'F.1', 'F%2F1']) {
      expect((await daemon.request(`/api/v1.0/report/${bad}`)).status, bad).toBe(400);
      expect((await scan(daemon, { name: `HTTP-${fuid}.text.plain.txt`, mime: 'text/plain', uuid: decodeURIComponent(bad) })).status, bad).toBe(400);
    }
  });

  it('runs `example`, the generic detector, for a MIME only it matches', async () => {
    const answer = await scan(daemon, { name: 'HTTP-FImg0000000000001.image.png.png', mime: 'image/png' });
    const job = (await answer.json()) as Record<string, any>;
    expect(answer.status, JSON.stringify(job)).toBe(200);
    expect(job).toMatchObject({ status: 'done', record: { app: 'example', matchedBy: 'default' } });
  });

  it("takes Zeek's application/x-dosexec for a PE its own sniffer calls application/x-msdownload", async () => {
    const answer = await scan(daemon, { name: 'extract-1700000000.123456-HTTP-FPe00000000000001', mime: 'application/x-dosexec' });
    const job = (await answer.json()) as Record<string, any>;
    expect(answer.status, JSON.stringify(job)).toBe(200);
    expect(job).toMatchObject({ status: 'done', record: { app: 'application/x-msdownload', matchedBy: 'exact' } });
  });
});
