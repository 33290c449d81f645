import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eicar, zipOf } from '../../source/demo/samples.ts';
import { loadSample } from '../lib/sample.ts';
import { ClamScan, localSocketOf } from './clamav-scan.ts';
import { ClamdError, parseClamdAddress, parseStreamAnswer } from './clamd.ts';
import { startClamd, type ClamdServer } from './clamd-server.ts';

const SCAN = fileURLToPath(new URL('scan.ts', import.meta.url));
const OURS = ['clamav/broapt.hdb', 'clamav/broapt.ndb'].map((name) => fileURLToPath(new URL(name, import.meta.url)));
const EICAR_RULE = 'clamav.Broapt.Test.EICAR.UNOFFICIAL';
/** ClamAV's own limits, small enough for a zip of four members to pass them. */
const FEW_FILES = { files: 3, scanMb: 10, seconds: 30 };
let dir: string;
let server: ClamdServer | undefined;
const file = (name: string, content: string | Buffer) => {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
};
const check = (env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile(process.execPath, [SCAN, '--check'], { env: { ...process.env, ...env } }, (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout })),
  );
const rules = async (scan: ClamScan, target: string, maxBytes?: number) => (await scan.scan(await loadSample(target, { maxBytes }))).map((f) => f.rule);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-clamd-test-'));
  server = await startClamd({ databases: OURS, streamMaxLength: '1M', limits: FEW_FILES });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ClamAV through clamd', () => {
  it('finds EICAR plain and zipped over INSTREAM, leaves a clean file clean, and reports a stream over StreamMaxLength as low', async () => {
    const scan = new ClamScan({ databases: OURS, clamd: server!.socket, warn: (line) => expect.fail(line) });
    expect(await rules(scan, file('eicar.com', eicar()))).toEqual([EICAR_RULE]);
    expect(await rules(scan, file('eicar.zip', zipOf([['eicar.com', eicar()]])))).toEqual([EICAR_RULE]);
    expect(await rules(scan, file('hello.txt', 'hello, world\n'))).toEqual([]);
    const [limit] = await scan.scan(await loadSample(file('big.bin', Buffer.alloc(2 << 20, 0x41))));
    expect(limit).toMatchObject({ rule: 'clamav.stream-limit', severity: 'low' });
  });

  it("says when ClamAV stopped at its own limits (MaxFiles), through clamd and through clamscan", async () => {
    const four = file('four.zip', zipOf([['a.txt', 'alpha'], ['b.txt', 'bravo'], ['c.txt', 'charlie'], ['d.txt', 'delta']]));
    for (const clamd of [server!.socket, 'off']) {
      const scan = new ClamScan({ databases: OURS, clamd, limits: FEW_FILES, warn: (line) => expect.fail(line) });
      const findings = await scan.scan(await loadSample(four));
      expect(findings).toEqual([{ rule: 'clamav.limits-exceeded', description: expect.stringMatching(/MaxFiles/), severity: 'low' }]);
    }
  });

  it('streams a file larger than the sample from the file itself, so a signature past the head is found', async () => {
    const scan = new ClamScan({ databases: OURS, clamd: server!.socket, warn: (line) => expect.fail(line) });
    const tail = file('tail.zip', zipOf([['pad.txt', Buffer.alloc(4096, 0x20)], ['eicar.com', eicar()]]));
    expect(await rules(scan, tail, 256)).toEqual([EICAR_RULE]);
  });

  it('--check says which ClamAV is in use, and finds clamd in auto mode by clamd.conf', async () => {
    const viaClamd = await check({ SCAN_CLAMD: server!.socket, SCAN_CLAMAV_DB: OURS.join(':') });
    expect(viaClamd.code).toBe(0);
    expect(viaClamd.stdout).toMatch(new RegExp(`^yara: .*\\nclamav: clamd at ${server!.socket} \\(ClamAV \\d[^;]*; EICAR found as Broapt\\.Test\\.EICAR\\.UNOFFICIAL\\)\\nscan: ok\\n$`));
    const viaClamscan = await check({ SCAN_CLAMD: 'off' });
    expect(viaClamscan).toMatchObject({ code: 0, stdout: expect.stringMatching(/^yara: .*\nclamav: clamscan \(no clamd\)\nscan: ok\n$/) });
    const conf = file('clamd.conf', `# Debian's layout\nLocalSocket ${server!.socket}\nFixStaleSocket true\n`);
    expect(localSocketOf(conf)).toBe(server!.socket);
    const auto = await new ClamScan({ databases: OURS, clamdConf: conf }).check();
    expect(auto.engine).toMatch(`clamd at ${server!.socket}`);
    expect(auto.problem).toBeUndefined();
  });

  it('falls back to clamscan when clamd goes away mid-run, saying so once', async () => {
    const warnings: string[] = [];
    const scan = new ClamScan({ databases: OURS, clamd: server!.socket, warn: (line) => warnings.push(line) });
    const target = file('eicar-again.com', eicar());
    expect(await rules(scan, target)).toEqual([EICAR_RULE]);
    await server!.stop();
    server = undefined;
    expect(await rules(scan, target)).toEqual([EICAR_RULE]);
    expect(await rules(scan, file('clean-again.txt', 'nothing here\n'))).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^clamav: clamd at .*clamd\.sock: .*scanning with clamscan/);
    expect((await scan.check()).engine).toMatch(/^clamscan \(clamd at .* does not answer\)$/);
  }, 60_000);
});

describe('clamd protocol', () => {
  it('reads SCAN_CLAMD addresses', () => {
    expect(parseClamdAddress('/run/clamav/clamd.ctl')).toEqual({ socket: '/run/clamav/clamd.ctl' });
    expect(parseClamdAddress('tcp://clamav:3310')).toEqual({ host: 'clamav', port: 3310 });
    expect(parseClamdAddress('tcp://[::1]:3310')).toEqual({ host: '::1', port: 3310 });
    expect(() => parseClamdAddress('tcp://clamav')).toThrow(/tcp:\/\/HOST:PORT/);
  });

  it('--check reports a SCAN_CLAMD it cannot read as a problem', async () => {
    expect(await new ClamScan({ databases: OURS, clamd: 'tcp://clamav' }).check()).toMatchObject({ problem: expect.stringMatching(/SCAN_CLAMD=tcp:\/\/clamav/) });
  });

  it("reads clamd's INSTREAM answers", () => {
    expect(parseStreamAnswer('stream: OK')).toEqual({ kind: 'clean' });
    expect(parseStreamAnswer('stream: Win.Trojan.Agent-1 FOUND')).toEqual({ kind: 'found', signature: 'Win.Trojan.Agent-1' });
    expect(parseStreamAnswer('INSTREAM size limit exceeded. ERROR')).toEqual({ kind: 'limit' });
    expect(() => parseStreamAnswer("stream: Can't allocate memory ERROR")).toThrow(ClamdError);
    expect(() => parseStreamAnswer('UNKNOWN COMMAND')).toThrow(ClamdError);
  });
});
