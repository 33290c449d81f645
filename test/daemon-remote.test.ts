import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_API, EICAR, startDaemonCli, TOKEN, type RunningDaemon } from './helpers/daemon.ts';
import { makeWorkspace, runCli, type Workspace } from './helpers/workspace.ts';

let app: Workspace;
let side: Workspace;
let daemon: RunningDaemon;
let marker: string;

beforeAll(async () => {
  app = await makeWorkspace();
  side = await makeWorkspace();
  marker = path.join(app.dir, 'marker');
  // The app side's remote apps have commands that must never run here: the daemon runs its own.
  const never = `touch ${JSON.stringify(marker)}`;
  await app.writeApi(`example:
  report: echo '{"verdict":"clean"}'
text:
  plain:
    remote: true
    install: ${never}
    scripts: ${never}
    report: ${never}
application:
  x-slow:
    remote: true
    timeout: 0.3
    report: ${never}
`);
  await side.writeApi(DAEMON_API);
  daemon = await startDaemonCli(side, [], { BROAPT_DUMP_PATH: app.dump });
});

afterAll(async () => {
  await daemon?.stop();
  await app?.cleanup();
  await side?.cleanup();
});

const port = (url: string) => new URL(url).port;

/** `broapt scan` on the app side, pointed at a daemon. */
function appScan(files: string[], env: Record<string, string>) {
  return runCli(['scan', '--max-retry', '2', ...files], { ...app.env, BROAPT_NAME_HOST: '127.0.0.1', ...env });
}

async function recordOf(file: string) {
  const records = (await app.records()) as Array<Record<string, any>>;
  return records.filter((r) => r.path === file).at(-1)!;
}

describe('remote: true apps', () => {
  it('are analysed by the daemon end to end, the report landing in the app side record', async () => {
    const eicar = await app.addFile('HTTP-FR1.text.plain.txt', EICAR);
    const local = await app.addFile('HTTP-FR2.image.png.png', 'not remote');
    const result = await appScan([eicar, local], { BROAPT_NAME_PORT: port(daemon.url), BROAPT_DAEMON_TOKEN: TOKEN });
    expect(result.code).toBe(0);
    const record = await recordOf(eicar);
    expect(record).toMatchObject({ status: 'done', app: 'text/plain', verdict: 'malicious', score: 100, findings: [{ rule: 'eicar', description: 'EICAR test string', severity: 'high', app: 'text/plain' }] });
    expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.commands).toHaveLength(1);
    expect(record.commands[0]).toMatchObject({ phase: 'report', command: `POST ${daemon.url}/api/v1.0/scan`, exitCode: 0, attempts: 1 });
    expect(record.reports[0].details).toMatchObject({ daemon: daemon.url, app: 'text/plain' });
    expect(await fs.readFile(record.commands[0].log, 'utf8')).toContain('"verdict":"malicious"');
    expect((await recordOf(local)).verdict).toBe('clean');
    // The daemon analysed it with its own app, in its own logs.
    const daemonRecords = (await side.records()) as Array<Record<string, any>>;
    expect(daemonRecords.find((r) => r.path.endsWith('HTTP-FR1.text.plain.txt'))).toMatchObject({ app: 'text/plain', verdict: 'malicious' });
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('fail at once on a refused token, naming the variable to set', async () => {
    const file = await app.addFile('HTTP-FR3.text.plain.txt', EICAR);
    const result = await appScan([file], { BROAPT_NAME_PORT: port(daemon.url), BROAPT_DAEMON_TOKEN: 'wrong-token-0123456789' });
    expect(result.code).toBe(1);
    const record = await recordOf(file);
    expect(record.status).toBe('failed');
    expect(record.reason).toContain('HTTP 401');
    expect(record.reason).toContain('BROAPT_DAEMON_TOKEN');
    expect(record.commands[0].attempts).toBe(1);
  });

  it('retry an unreachable daemon, then fail', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as net.AddressInfo;
        server.close(() => resolve(free));
      });
    });
    const file = await app.addFile('HTTP-FR4.text.plain.txt', EICAR);
    const result = await appScan([file], { BROAPT_NAME_PORT: String(closed), BROAPT_DAEMON_TOKEN: TOKEN });
    expect(result.code).toBe(1);
    const record = await recordOf(file);
    expect(record.reason).toContain('cannot reach the daemon');
    expect(record.commands[0].attempts).toBe(2);
  });

  it('time out per attempt with the app timeout, and retry', async () => {
    const file = await app.addFile('HTTP-FR5.application.x-slow.bin', 'slow');
    const result = await appScan([file], { BROAPT_NAME_PORT: port(daemon.url), BROAPT_DAEMON_TOKEN: TOKEN });
    expect(result.code).toBe(1);
    const record = await recordOf(file);
    expect(record.reason).toContain('did not answer within 0.3 s');
    expect(record.commands[0]).toMatchObject({ timedOut: true, attempts: 2 });
  });

  it('wait while the daemon is busy with as many of their requests as it allows', async () => {
    const busyApp = await makeWorkspace();
    try {
      await busyApp.writeApi('example:\n  report: "true"\napplication:\n  x-slow:\n    remote: true\n    timeout: 10\n    report: "false"\n');
      const files = [await busyApp.addFile('HTTP-FB1.application.x-slow.bin', 'a'), await busyApp.addFile('HTTP-FB2.application.x-slow.bin', 'b')];
      const busy = await startDaemonCli(side, ['--client-limit', '1', '--jobs', '2'], { BROAPT_DUMP_PATH: busyApp.dump, BROAPT_LOGS_PATH: path.join(busyApp.dir, 'daemon-logs') });
      try {
        const result = await runCli(['scan', '--jobs', '2', '--max-retry', '1', ...files], { ...busyApp.env, BROAPT_NAME_HOST: '127.0.0.1', BROAPT_NAME_PORT: port(busy.url), BROAPT_DAEMON_TOKEN: TOKEN });
        expect(result.code, result.stderr).toBe(0);
        const records = (await busyApp.records()) as Array<Record<string, any>>;
        expect(records.map((r) => [r.status, r.verdict])).toEqual([['done', 'suspicious'], ['done', 'suspicious']]);
        // One of the two asked while the other held the daemon's only slot, and waited instead of failing.
        const logs = await Promise.all(records.map((r) => fs.readFile(r.commands[0].log, 'utf8')));
        expect(logs.join('\n')).toContain('# exit: HTTP 429');
      } finally {
        await busy.stop();
      }
    } finally {
      await busyApp.cleanup();
    }
  });
});
