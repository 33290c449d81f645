import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVt } from './vt.ts';

let server: Server;
let base: string;
let dir: string;
const requests: Array<{ url: string; key: string | undefined }> = [];
/** Answers per sha256: a status list consumed one per request (the last repeats). */
const answers = new Map<string, Array<[number, unknown]>>();

const fileWith = (content: string) => {
  const file = path.join(dir, createHash('md5').update(content).digest('hex'));
  fs.writeFileSync(file, content);
  return { file, sha256: createHash('sha256').update(content).digest('hex') };
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-vt-'));
  server = createServer((req, res) => {
    requests.push({ url: req.url ?? '', key: req.headers['x-apikey'] as string | undefined });
    const hash = /^\/api\/v3\/files\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1] ?? '';
    const queue = answers.get(hash) ?? [[404, { error: { code: 'NotFoundError', message: `File "${hash}" not found` } }]];
    const [status, body] = queue.length > 1 ? queue.shift()! : queue[0]!;
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '0' } : {}) });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ VT_API_KEY: 'test-key', VT_URL: base, VT_INTERVAL: '0' });
const found = (malicious: number, suspicious = 0) => ({
  data: { id: 'x', type: 'file', attributes: { meaningful_name: 'x.exe', last_analysis_stats: { malicious, suspicious, undetected: 60, harmless: 0 }, last_analysis_results: { EngineA: { category: 'malicious', result: 'Trojan.Gen' }, EngineB: { category: 'undetected', result: null } } } },
});

describe('VirusTotal app', () => {
  it('reports unknown and sends nothing without VT_API_KEY', async () => {
    const { file } = fileWith('no key');
    const before = requests.length;
    expect(await createVt({ VT_URL: base }).analyse(file)).toMatchObject({ verdict: 'unknown', findings: [], details: { reason: 'VT_API_KEY is not set: no lookup' } });
    expect(requests.length).toBe(before);
  });

  it('turns the v3 /files/{hash} answer into a verdict: malicious, suspicious, clean, and unknown on 404', async () => {
    const bad = fileWith('bad');
    const meh = fileWith('meh');
    const good = fileWith('good');
    answers.set(bad.sha256, [[200, found(12)]]);
    answers.set(meh.sha256, [[200, found(1)]]);
    answers.set(good.sha256, [[200, found(0)]]);
    const vt = createVt(env());
    expect(await vt.analyse(bad.file)).toMatchObject({ verdict: 'malicious', findings: [{ rule: 'vt.detections', description: '12 engines say malicious, 0 suspicious (EngineA: Trojan.Gen)', severity: 'high' }], details: { sha256: bad.sha256, name: 'x.exe' } });
    expect(await vt.analyse(meh.file)).toMatchObject({ verdict: 'suspicious', findings: [{ severity: 'medium' }] });
    expect(await vt.analyse(good.file)).toMatchObject({ verdict: 'clean', findings: [] });
    expect(await vt.analyse(fileWith('never seen').file)).toMatchObject({ verdict: 'unknown', details: { reason: 'not known to VirusTotal' } });
    expect(requests.at(-1)!.key).toBe('test-key');
  });

  it('waits and retries on 429, then gives up as unknown', async () => {
    const later = fileWith('later');
    const never = fileWith('quota');
    answers.set(later.sha256, [[429, { error: { code: 'QuotaExceededError' } }], [200, found(5)]]);
    answers.set(never.sha256, [[429, { error: { code: 'QuotaExceededError' } }]]);
    const vt = createVt({ ...env(), VT_RETRY: '2' });
    expect(await vt.analyse(later.file)).toMatchObject({ verdict: 'malicious' });
    const before = requests.length;
    expect(await vt.analyse(never.file)).toMatchObject({ verdict: 'unknown', findings: [{ rule: 'vt.unavailable', description: 'VirusTotal quota exhausted after 2 attempts' }] });
    expect(requests.length - before).toBe(2);
  });
});
