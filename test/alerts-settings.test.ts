import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, fuidOf } from './helpers/alerts.ts';
import { runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('output settings', () => {
  it.each([
    ['BROAPT_ALERT_WEBHOOK', 'ftp://siem.example/hook', 'give an http:// or https:// URL'],
    ['BROAPT_ELASTIC_URL', 'not a url', 'give an http:// or https:// URL'],
    ['BROAPT_ALERT_SYSLOG', 'udp://siem.example', 'give udp://HOST:PORT, tcp://HOST:PORT or unix:/PATH'],
    ['BROAPT_ALERT_SYSLOG', 'unix:dev/log', 'give udp://HOST:PORT, tcp://HOST:PORT or unix:/PATH'],
    ['BROAPT_ALERT_MIN', 'high', 'give suspicious or malicious'],
    ['BROAPT_ALERT_TIMEOUT', '0', 'give a number of seconds above 0'],
  ])('%s=%s stops the start with one line and exit 2', async (name, value, hint) => {
    await ws().writeApi(EICAR_API);
    const result = await runCli(['scan'], { ...ws().env, BROAPT_ALERT_COMMAND: 'true', [name]: value });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(`${name}=${JSON.stringify(value)} is not valid: ${hint}`)]);
  });

  it.each(['BROAPT_QUARANTINE', 'BROAPT_ECS_LOG', 'BROAPT_INTEL_FILE'])('%s where nothing can be written stops the start with one line and exit 2', async (name) => {
    await ws().writeApi(EICAR_API);
    const blocked = path.join(ws().dir, 'a-file');
    await fs.writeFile(blocked, 'not a folder');
    const result = await runCli(['scan'], { ...ws().env, [name]: path.join(blocked, 'out') });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^broapt scan: ${name}=${path.join(blocked, 'out')} cannot be opened \\((ENOTDIR|EEXIST)\\): point it at a path broapt can create and write\\.$`))]);
  });

  it('BROAPT_ALERT_MIN decides which verdicts alert: malicious by default, suspicious too when asked', async () => {
    await ws().writeApi(EICAR_API);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, 'suspicious');
    await addSample(ws(), 3, false);
    const alerted = path.join(ws().dir, 'alerted');
    const env = { ...ws().env, BROAPT_ALERT_COMMAND: `echo "$BROAPT_ALERT_FUID" >> "${alerted}"` };
    expect((await runCli(['scan'], env)).code).toBe(0);
    expect((await fs.readFile(alerted, 'utf8')).trim().split('\n')).toEqual([fuidOf(1)]);
    await fs.rm(alerted);
    expect((await runCli(['scan'], { ...env, BROAPT_LOGS_PATH: path.join(ws().dir, 'logs2'), BROAPT_ALERT_MIN: 'suspicious' })).code).toBe(0);
    expect((await fs.readFile(alerted, 'utf8')).trim().split('\n').sort()).toEqual([fuidOf(1), fuidOf(2)]);
  }, 60_000);
});

describe('output secrets', () => {
  it('apps never see BROAPT_ALERT_SECRET or BROAPT_ELASTIC_API_KEY: they analyse hostile files', async () => {
    await ws().writeApi(`
example:
  report: printf '{"verdict":"clean","details":{"seen":"%s%s"}}\\n' "\${BROAPT_ALERT_SECRET:-none}" "\${BROAPT_ELASTIC_API_KEY:-none}"
`);
    await addSample(ws(), 1, false);
    const result = await runCli(['scan'], { ...ws().env, BROAPT_ALERT_WEBHOOK: 'http://127.0.0.1:9/hook', BROAPT_ALERT_SECRET: 'hmac-key', BROAPT_ELASTIC_URL: 'http://127.0.0.1:9', BROAPT_ELASTIC_API_KEY: 'es-key' });
    expect(result.code, result.stderr).toBe(0);
    const [record] = await ws().records();
    expect((record!.reports as Array<{ details: { seen: string } }>)[0]!.details.seen).toBe('nonenone');
  }, 60_000);
});

describe('output flags', () => {
  it('each output variable has a flag, which wins over it', async () => {
    await ws().writeApi(EICAR_API);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, 'suspicious');
    const alerted = path.join(ws().dir, 'alerted');
    const quarantine = path.join(ws().dir, 'quarantine');
    const result = await runCli(['scan', '--alert-min', 'suspicious', '--alert-command', `echo "$BROAPT_ALERT_FUID" >> "${alerted}"`, '--quarantine', quarantine], {
      ...ws().env,
      BROAPT_ALERT_MIN: 'malicious',
      BROAPT_ALERT_COMMAND: 'exit 1',
    });
    expect(result.code, result.stderr).toBe(0);
    expect((await fs.readFile(alerted, 'utf8')).trim().split('\n').sort()).toEqual([fuidOf(1), fuidOf(2)]);
    expect(await fs.readdir(quarantine)).toHaveLength(4);
    const bad = await runCli(['watch', '--alert-webhook', 'ftp://siem.example/hook'], ws().env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([expect.stringContaining('--alert-webhook="ftp://siem.example/hook" is not valid: give an http:// or https:// URL')]);
  }, 60_000);
});
