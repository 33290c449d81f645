import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EICAR, scan, startDaemonCli, TOKEN, type RunningDaemon } from './helpers/daemon.ts';
import { makeWorkspace, runCli, type Workspace } from './helpers/workspace.ts';

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

describe("broaptd's command line and variables", () => {
  it('sends a remote: true app to SERVER_NAME_HOST:SERVER_NAME_PORT', async () => {
    const app = await makeWorkspace();
    try {
      await app.writeApi('example:\n  report: echo \'{"verdict":"clean"}\'\ntext:\n  plain:\n    remote: true\n    report: "false"\n');
      const file = await ws.addFile('HTTP-FRemote00000000001.text.plain.txt', EICAR);
      const { hostname, port } = new URL(daemon.url);
      const result = await runCli(['scan', file], { ...app.env, BROAPT_DUMP_PATH: ws.dump, BROAPT_DAEMON_TOKEN: TOKEN, SERVER_NAME_HOST: hostname, SERVER_NAME_PORT: port });
      const record = (await app.records()).find((r) => r.path === file);
      expect(record, result.stderr).toMatchObject({ status: 'done', verdict: 'malicious', reports: [{ details: { daemon: daemon.url } }] });
    } finally {
      await app.cleanup();
    }
  });

  it('takes -f (compose file) and -s (sleep interval)', async () => {
    const reference = await startDaemonCli(ws, ['-f', 'docker-compose.yml', '-s', '0.05'], { BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws.dir, 'cache') });
    expect((await reference.request('/api/v1.0/list')).status).toBe(200);
    expect((await reference.stop()).code).toBe(0);
    const bad = await runCli(['daemon', '--port', '0', '-s', 'soon'], { ...ws.env, BROAPT_DAEMON_TOKEN: TOKEN });
    expect({ code: bad.code, stderr: bad.stderr.trim() }).toEqual({ code: 2, stderr: expect.stringContaining('"soon" is not valid') });
  });

  // /etc/sysconfig/broaptd is made in a mount namespace of the daemon's own (an overlay on /etc): the host's /etc is untouched.
  it.skipIf(process.getuid?.() !== 0 && process.env.CI !== 'true')('reads /etc/sysconfig/broaptd when no --env is given, the environment winning', async () => {
    const envFile = path.join(ws.dir, 'broaptd');
    await fs.writeFile(envFile, `# KEY=VALUE lines, as broaptd read them\nBROAPT_SERVER_HOST=127.0.0.5\nBROAPT_DAEMON_TOKEN=overridden-by-the-environment\n`);
    const layer = await fs.mkdtemp(path.join(ws.dir, 'etc-'));
    await fs.mkdir(path.join(layer, 'upper'));
    await fs.mkdir(path.join(layer, 'work'));
    const setup = `mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc && mkdir -p /etc/sysconfig && cp "$2" /etc/sysconfig/broaptd && shift 2 && exec "$@"`;
    const wrapper = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', setup, 'sh', layer, envFile];
    const fromSysconfig = await startDaemonCli(ws, [], { BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws.dir, 'cache') }, wrapper);
    try {
      expect(new URL(fromSysconfig.url).hostname).toBe('127.0.0.5');
      expect((await fromSysconfig.request('/api/v1.0/list')).status).toBe(200);
    } finally {
      await fromSysconfig.stop();
    }
  });
});
