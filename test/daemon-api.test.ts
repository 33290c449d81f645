import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_API, EICAR, scan, startDaemonCli, TOKEN, type RunningDaemon } from './helpers/daemon.ts';
import { parsePrometheusText, valueOf } from './helpers/prometheus.ts';
import { makeWorkspace, runCli, type Workspace } from './helpers/workspace.ts';

let ws: Workspace;
let daemon: RunningDaemon;
let marker: string;

beforeAll(async () => {
  ws = await makeWorkspace();
  await ws.writeApi(DAEMON_API);
  await ws.addFile('HTTP-F1.text.plain.txt', EICAR);
  await ws.addFile('day/HTTP-F2.text.plain.txt', 'hello');
  for (let i = 0; i < 3; i++) await ws.addFile(`HTTP-FS${i}.application.x-slow.bin`, 'slow');
  await ws.addFile('HTTP-F4.text.plain.txt', 'commands in the body');
  await ws.addFile('HTTP-F5.application.x-broken.bin', 'x');
  await ws.addFile('HTTP-F6.application.x-env.bin', 'x');
  marker = path.join(ws.dir, 'marker');
  // Symlink escapes: a link to a file outside, and a linked folder leading outside.
  const outside = path.join(ws.dir, 'outside');
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'HTTP-F9.text.plain.txt'), EICAR);
  await fs.symlink(path.join(outside, 'HTTP-F9.text.plain.txt'), path.join(ws.dump, 'HTTP-F8.text.plain.txt'));
  await fs.symlink(outside, path.join(ws.dump, 'linked'));
  daemon = await startDaemonCli(ws, ['--client-limit', '2', '--max-body', '1024']);
});

afterAll(async () => {
  await daemon?.stop();
  await ws?.cleanup();
});

/** What a refused request must leave untouched: the daemon's records, history, jobs, and the marker. */
async function sideEffects() {
  const list = (await (await daemon.request('/api/v1.0/list')).json()) as unknown[];
  const markerExists = await fs.stat(marker).then(() => true, () => false);
  return { records: (await ws.readLines('processed.jsonl')).length, done: (await ws.readLines('dump.log')).length, failed: (await ws.readLines('fail.log')).length, jobs: list.length, markerExists };
}

async function refused(response: Promise<Response>, status: number, code: string) {
  const before = await sideEffects();
  const answer = await response;
  const body = (await answer.json()) as { status: number; error: string; message: string };
  expect({ status: answer.status, error: body.error }).toEqual({ status, error: code });
  expect(body.message.length).toBeGreaterThan(10);
  expect(await sideEffects()).toEqual(before);
  return { answer, body };
}

describe('broapt daemon API', () => {
  it('answers /healthz without a token and serves the dashboard page', async () => {
    const health = await daemon.request('/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const page = await daemon.request('/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/dashboard.js"');
  });

  it('scans a file with its own app and answers with the report; list, report and delete follow the job', async () => {
    const answer = await scan(daemon, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' });
    expect(answer.status).toBe(200);
    const job = (await answer.json()) as Record<string, any>;
    expect(job).toMatchObject({ name: 'HTTP-F1.text.plain.txt', status: 'done', scanned: true, reported: true, deleted: false });
    expect(job.report).toMatchObject({ verdict: 'malicious', score: 100, findings: [{ rule: 'eicar', description: 'EICAR test string', severity: 'high' }] });
    expect(job.record.path).toBe(path.join(await fs.realpath(ws.dump), 'HTTP-F1.text.plain.txt'));

    const clean = await scan(daemon, { name: 'day/HTTP-F2.text.plain.txt', mime: 'text/plain', uuid: '0F8FAD5B-D9CB-469F-A165-70867728950E' });
    expect(clean.status).toBe(200);
    expect(await clean.json()).toMatchObject({ id: '0f8fad5b-d9cb-469f-a165-70867728950e', report: { verdict: 'clean' } });

    const list = (await (await daemon.request('/api/v1.0/list')).json()) as Array<Record<string, unknown>>;
    expect(list.map((entry) => entry.id)).toEqual(expect.arrayContaining([job.id, '0f8fad5b-d9cb-469f-a165-70867728950e']));
    const report = await daemon.request(`/api/v1.0/report/${job.id}`);
    expect(report.status).toBe(200);
    expect(await report.json()).toMatchObject({ id: job.id, report: { verdict: 'malicious' }, record: { app: 'text/plain' } });

    const deleted = await daemon.request(`/api/v1.0/delete/${job.id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ id: job.id, deleted: true });
    expect((await daemon.request(`/api/v1.0/report/${job.id}`)).status).toBe(404);
    expect((await daemon.request('/api/v1.0/report/not.an.id')).status).toBe(400);

    // Asked again, a file in the history is answered from its record, not analysed twice.
    const again = await scan(daemon, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' });
    expect(await again.json()).toMatchObject({ status: 'done', report: { verdict: 'malicious' } });
    expect((await ws.readLines('processed.jsonl')).length).toBe(2);
  });

  it('refuses requests without the right token, with no side effect', async () => {
    const body = { name: 'HTTP-F4.text.plain.txt', mime: 'text/plain' };
    const { answer } = await refused(scan(daemon, body, { token: null }), 401, 'E_UNAUTHORIZED');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await refused(scan(daemon, body, { token: `${TOKEN}x` }), 401, 'E_UNAUTHORIZED');
    await refused(scan(daemon, body, { token: TOKEN.slice(0, -1) }), 401, 'E_UNAUTHORIZED');
    await refused(daemon.request('/api/v1.0/list', { token: 'wrong' }), 401, 'E_UNAUTHORIZED');
    await refused(daemon.request('/metrics', { token: null }), 401, 'E_UNAUTHORIZED');
    await refused(daemon.request('/events', { token: null }), 401, 'E_UNAUTHORIZED');
  });

  it('refuses paths out of the dump folder, symlinks, bad bodies and MIME mismatches, with no side effect', async () => {
    const outsideFile = path.join(ws.dir, 'outside', 'HTTP-F9.text.plain.txt');
    await refused(scan(daemon, { name: '../outside/HTTP-F9.text.plain.txt', mime: 'text/plain' }), 400, 'E_BAD_PATH');
    await refused(scan(daemon, { name: 'day/../../outside/HTTP-F9.text.plain.txt', mime: 'text/plain' }), 400, 'E_BAD_PATH');
    await refused(scan(daemon, { name: outsideFile, mime: 'text/plain' }), 400, 'E_BAD_PATH');
    await refused(scan(daemon, { name: 'HTTP-F8.text.plain.txt', mime: 'text/plain' }), 403, 'E_SYMLINK');
    await refused(scan(daemon, { name: 'linked/HTTP-F9.text.plain.txt', mime: 'text/plain' }), 403, 'E_OUTSIDE_DUMP');
    await refused(scan(daemon, { name: 'HTTP-F404.text.plain.txt', mime: 'text/plain' }), 404, 'E_NO_FILE');
    await refused(scan(daemon, { name: 'HTTP-F4.text.plain.txt', mime: 'text/plain', pad: 'x'.repeat(2000) }), 413, 'E_TOO_LARGE');
    await refused(scan(daemon, { name: 'HTTP-F4.text.plain.txt', mime: 'application/x-slow' }), 422, 'E_MIME_MISMATCH');
    const raw = (body: string, type = 'application/json') => daemon.request('/api/v1.0/scan', { method: 'POST', headers: { 'content-type': type }, body });
    await refused(raw('{"name": "HTTP-F4.text.plain.txt", "mime": '), 400, 'E_BAD_JSON');
    await refused(raw('["HTTP-F4.text.plain.txt"]'), 400, 'E_BAD_REQUEST');
    await refused(raw('{"name": "HTTP-F4.text.plain.txt", "mime": "text plain"}'), 400, 'E_BAD_REQUEST');
    await refused(raw('{"name": "HTTP-F4.text.plain.txt", "mime": "text/plain", "command": "id"}'), 400, 'E_BAD_REQUEST');
    await refused(raw('{"name": "HTTP-F4.text.plain.txt", "mime": "text/plain"}', 'text/plain'), 415, 'E_CONTENT_TYPE');
    await refused(scan(daemon, { name: 'HTTP-F4.text.plain.txt', mime: 'text/plain', uuid: '0f8fad5b-d9cb-469f-a165-70867728950e' }), 409, 'E_DUPLICATE_ID');
    await refused(daemon.request('/api/v1.0/report/%zz'), 400, 'E_BAD_ID');
    await refused(daemon.request('/api/v1.0/delete/0f8fad5b-d9cb-469f-a165-70867728950e'), 405, 'E_METHOD');
    await refused(daemon.request('/api/v1.0/scan'), 405, 'E_METHOD');
    await refused(daemon.request('/api/v2/anything'), 404, 'E_NOT_FOUND');
  });

  it('never runs commands a request carries: the daemon runs its own app', async () => {
    const touch = `touch ${JSON.stringify(marker)}`;
    const answer = await scan(daemon, {
      name: 'HTTP-F4.text.plain.txt',
      mime: 'text/plain',
      install: [touch],
      scripts: [touch],
      report: touch,
      workdir: ws.dir,
      environ: { BROAPT_PATH: marker },
      inited: false,
    });
    expect(answer.status).toBe(200);
    const job = (await answer.json()) as Record<string, any>;
    expect(job.ignored).toEqual(['install', 'scripts', 'report', 'workdir', 'environ', 'inited']);
    expect(job.report.verdict).toBe('clean');
    expect(job.record.commands.map((c: { command: string }) => c.command).join('\n')).not.toContain('touch');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
  });

  it('hides its token from the apps it runs', async () => {
    const answer = await scan(daemon, { name: 'HTTP-F6.application.x-env.bin', mime: 'application/x-env' });
    const job = (await answer.json()) as Record<string, any>;
    expect(job.record.reports[0].details).toEqual({ token: 'unset', file: 'unset' });
  });

  it('limits the requests one client has open at once', async () => {
    const slow = [0, 1, 2].map((i) => scan(daemon, { name: `HTTP-FS${i}.application.x-slow.bin`, mime: 'application/x-slow' }));
    const statuses = (await Promise.all(slow)).map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('serves /metrics in the Prometheus text format, counters matching the processed files', async () => {
    const broken = await scan(daemon, { name: 'HTTP-F5.application.x-broken.bin', mime: 'application/x-broken' });
    expect(await broken.json()).toMatchObject({ status: 'failed', reported: false, reason: expect.stringContaining('exited 3') });
    const answer = await daemon.request('/metrics');
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await answer.text());
    const records = (await ws.records()) as Array<{ mime: string; status: string; verdict?: string; app: string }>;
    expect(records.length).toBeGreaterThanOrEqual(5);
    const tally = new Map<string, number>();
    for (const r of records.filter((r) => r.status === 'done')) tally.set(`${r.mime} ${r.verdict}`, (tally.get(`${r.mime} ${r.verdict}`) ?? 0) + 1);
    expect(tally.get('text/plain malicious')).toBe(1);
    for (const [key, count] of tally) {
      const [mime, verdict] = key.split(' ') as [string, string];
      expect(valueOf(families, 'broapt_files_processed_total', { mime, verdict })).toBe(count);
    }
    const processedTotal = families.get('broapt_files_processed_total')!.samples.reduce((sum, s) => sum + s.value, 0);
    expect(processedTotal).toBe(records.filter((r) => r.status === 'done').length);
    expect(families.get('broapt_files_failed_total')!.type).toBe('counter');
    expect(valueOf(families, 'broapt_files_failed_total', { mime: 'application/x-broken' })).toBe(records.filter((r) => r.status === 'failed').length);
    expect(records.filter((r) => r.status === 'failed')).toHaveLength(1);
    expect(valueOf(families, 'broapt_app_duration_seconds_count', { app: 'application/x-slow' })).toBe(2);
    expect(valueOf(families, 'broapt_app_duration_seconds_sum', { app: 'application/x-slow' })).toBeGreaterThanOrEqual(2);
    expect(families.get('broapt_queue_depth')!.type).toBe('gauge');
    expect(valueOf(families, 'broapt_workers_busy')).toBe(0);
    expect(valueOf(families, 'broapt_workers')).toBe(1);
  });
});

describe('the strict Prometheus text reader the metrics test relies on', () => {
  it('rejects what the format does not allow', () => {
    const ok = '# HELP a_total A.\n# TYPE a_total counter\na_total{mime="text/plain"} 2\n';
    expect(valueOf(parsePrometheusText(ok), 'a_total', { mime: 'text/plain' })).toBe(2);
    for (const bad of [
      'a_total 1\n',
      '# TYPE a_total counter\na_total{mime="x} 1\n',
      '# TYPE a_total counter\na_total{mime="x"} one\n',
      '# TYPE a_total counter\na_total 1\na_total 2\n',
      '# TYPE a_total counter\na_total 1',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 2\n',
    ]) {
      expect(() => parsePrometheusText(bad), bad).toThrow();
    }
  });
});

describe('broapt daemon start-up', () => {
  it('refuses to start without a token, with a short one, or insecure off loopback', async () => {
    const noToken = await runCli(['daemon', '--port', '0'], { ...ws.env, BROAPT_DAEMON_TOKEN: '' });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('set BROAPT_DAEMON_TOKEN');
    const short = await runCli(['daemon', '--port', '0'], { ...ws.env, BROAPT_DAEMON_TOKEN: 'short' });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 16');
    const wide = await runCli(['daemon', '--port', '0', '--insecure-loopback', '--host', '0.0.0.0'], { ...ws.env, BROAPT_DAEMON_TOKEN: '' });
    expect(wide.code).toBe(2);
    expect(wide.stderr).toContain('not one');
    expect((await runCli(['daemon', '-v'])).stdout).toMatch(/^broapt \d+\.\d+\.\d+\n$/);
  });

  it('takes its settings from a dotenv file, and runs token-less on loopback with --insecure-loopback', async () => {
    const other = await makeWorkspace();
    try {
      await other.writeApi(DAEMON_API);
      await other.addFile('HTTP-F1.text.plain.txt', EICAR);
      const envFile = path.join(other.dir, 'daemon.env');
      await fs.writeFile(envFile, `# the reference's names\nBROAPT_SERVER_HOST=127.0.0.1\nBROAPT_DUMP_PATH=${other.dump}\nBROAPT_API_ROOT=${other.api}\nBROAPT_LOGS_PATH=${other.logs}\nBROAPT_DAEMON_TOKEN="${TOKEN}-from-file"\n`);
      const fromFile = await startDaemonCli(other, ['--env', envFile], { BROAPT_DUMP_PATH: ws.dump, BROAPT_DAEMON_TOKEN: 'overridden-by-the-file' });
      try {
        expect((await scan(fromFile, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' })).status).toBe(401);
        const answer = await scan(fromFile, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' }, { token: `${TOKEN}-from-file` });
        expect(await answer.json()).toMatchObject({ report: { verdict: 'malicious' } });
      } finally {
        await fromFile.stop();
      }
      // The reference's short flags, and no BROAPT_* path variable to fall back on.
      const reference = ['-t', '127.0.0.1', '-d', other.dump, '-r', other.api, '-l', other.logs, '-a', path.join(other.logs, 'api'), '-i', '0.05', '-m', '2', '-f', 'docker-compose.yml'];
      const open = await startDaemonCli(other, ['--insecure-loopback', ...reference], { BROAPT_DAEMON_TOKEN: '', BROAPT_DUMP_PATH: '', BROAPT_API_ROOT: '', BROAPT_LOGS_PATH: '' });
      try {
        expect((await open.request('/api/v1.0/list', { token: null })).status).toBe(200);
        // Analysed before by the daemon with the --env file: answered from the history both share.
        const answer = await scan(open, { name: 'HTTP-F1.text.plain.txt', mime: 'text/plain' }, { token: null });
        expect(await answer.json()).toMatchObject({ report: { verdict: 'malicious' } });
        expect(await other.readLines('processed.jsonl')).toHaveLength(1);
      } finally {
        expect((await open.stop()).code).toBe(0);
      }
    } finally {
      await other.cleanup();
    }
  });
});
