import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { PcapQueue } from '../source/engine/run.ts';
import { tsharkEngine } from '../source/engine/tshark.ts';
import { parseName } from '../source/entry/naming.ts';
import { openSession } from '../source/pipeline/session.ts';
import { DiskWatermark } from '../source/engine/disk-watermark.ts';
import { resolveSettings } from '../source/settings.ts';
import { readZeekLog } from '../source/zeek/read.ts';
import type { ZeekRecord } from '../source/zeek/values.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { problems, runCli, useWorkspace, waitFor, type Workspace } from './helpers/workspace.ts';

const workspace = useWorkspace();

/** Every app records the file it saw, so the test knows what was analysed. */
const API = `
example:
  report: printf '%s\\n' "$BROAPT_PATH" >> seen.txt
`;

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

async function records(file: string): Promise<ZeekRecord[]> {
  const out: ZeekRecord[] = [];
  for await (const record of readZeekLog(file)) out.push(record);
  return out;
}

/** The per-PCAP log folders `run` made, by PCAP stem. */
async function logFolders(ws: Workspace): Promise<Map<string, string>> {
  const folders = new Map<string, string>();
  for (const entry of await readdir(ws.logs, { withFileTypes: true })) {
    const stem = /^(.*)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(entry.name)?.[1];
    if (entry.isDirectory() && stem !== undefined) folders.set(stem, path.join(ws.logs, entry.name));
  }
  return folders;
}

async function runTshark(ws: Workspace, inputs: string[], env: Record<string, string> = {}) {
  return runCli(['run', '--engine', 'tshark', ...inputs], { ...ws.env, ...env });
}

describe('broapt run --engine tshark', () => {
  test('extracts HTTP objects and SMTP messages with their attachments, names them per the convention, analyses each, writes files.log', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const strelka = path.join(fixtures, 'pcaps/strelka/test.pcap');
    const smtp = path.join(fixtures, 'pcaps/zeek-btest-traces/smtp.pcap');
    const result = await runTshark(ws, [strelka, smtp]);
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);

    const folders = await logFolders(ws);
    expect([...folders.keys()].sort()).toEqual(['smtp', 'test']);
    const files = [...(await records(path.join(folders.get('test')!, 'files.log'))), ...(await records(path.join(folders.get('smtp')!, 'files.log')))];

    // Every extracted file is in the dump folder under its BroAPT name, with files.log's hashes, and was analysed.
    const seen = (await readFile(path.join(ws.api, 'example', 'seen.txt'), 'utf8')).trim().split('\n').sort();
    const dumped = files.map((r) => path.join(ws.dump, String(r.extracted))).sort();
    expect(seen).toEqual(dumped);
    expect((await ws.readLines('dump.log')).sort()).toEqual(dumped);
    for (const record of files) {
      const file = path.join(ws.dump, String(record.extracted));
      const entry = parseName(path.basename(file))!;
      expect(entry.fuid).toBe(record.fuid);
      expect(entry.protocol).toBe(record.source);
      expect(`${entry.mime!.mediaType}/${entry.mime!.subtype}`).toBe(record.mime_type);
      expect(path.dirname(String(record.extracted))).toBe(path.join(entry.mime!.mediaType, entry.mime!.subtype));
      expect(await sha256(file)).toBe(record.sha256);
      expect(record.seen_bytes).toBe((await readFile(file)).length);
    }

    // The strelka pcap carries the sample exe and jpg byte for byte, from 10.0.0.x hosts.
    const samples = await Promise.all(['test.exe', 'test.jpg'].map((name) => sha256(path.join(fixtures, 'samples/strelka', name))));
    const http = files.filter((r) => r.source === 'HTTP');
    expect(http.map((r) => r.sha256)).toEqual(expect.arrayContaining(samples));
    const exe = http.find((r) => r.sha256 === samples[0])!;
    expect(exe.filename).toBe('test.exe');
    expect(exe.tx_hosts).toHaveLength(1);
    expect(typeof exe.ts).toBe('number');

    // Two messages come out whole; the multipart one's attachments are child files.
    const mails = files.filter((r) => r.source === 'SMTP' && r.depth === 0);
    expect(mails).toHaveLength(2);
    const children = files.filter((r) => r.depth === 1);
    expect(children.length).toBeGreaterThanOrEqual(1);
    expect(children.map((r) => r.filename)).toContain('NEWS.txt');
    for (const child of children) expect(mails.map((m) => m.fuid)).toContain(child.parent_fuid);

    // The post-processing hooks ran on each capture's log folder.
    const extracted = (await readFile(path.join(folders.get('test')!, 'extracted_files.log'), 'utf8')).trim().split('\n');
    expect(extracted).toHaveLength(http.length);
  });

  test('with the shipped apps, every extracted file ends in broapt.log, joined to files.log by fuid', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    const { BROAPT_API_ROOT: _, ...env } = ws.env;
    const result = await runCli(['run', '--engine', 'tshark', path.join(fixtures, 'pcaps/strelka/test.pcap')], env);
    expect(result.code).toBe(0);
    const files = await records(path.join([...(await logFolders(ws)).values()][0]!, 'files.log'));
    const reports = await records(path.join(ws.logs, 'broapt.log'));
    expect(reports.map((r) => r.fuid).sort()).toEqual(files.map((r) => r.fuid).sort());
    for (const report of reports) {
      const file = files.find((r) => r.fuid === report.fuid)!;
      expect(report.sha256).toBe(file.sha256);
      expect(report.status).toBe('done');
      expect(['clean', 'unknown', 'suspicious', 'malicious']).toContain(report.verdict);
    }
  });

  test('the HTTP body of get.pcap hashes to the sha256 Zeek logged for it', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const result = await runTshark(ws, [path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap')]);
    expect(result.code).toBe(0);
    const ours = await records(path.join([...(await logFolders(ws)).values()][0]!, 'files.log'));
    const zeeks = await records(path.join(fixtures, 'zeek-logs/tsv/zeek-3.3.0-dev-btest/http-get/files.log'));
    expect(ours.map((r) => r.sha256)).toEqual(zeeks.map((r) => r.sha256));
  });

  test('every capture ends saying which transfers tshark saw and could not extract', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const traces = path.join(fixtures, 'pcaps/zeek-btest-traces');
    // retr.pcap: tshark does not tie the EPSV data channel to RETR; putty-upload.pcap: the POST body never completes.
    const result = await runTshark(ws, [path.join(traces, 'ftp/retr.pcap'), path.join(traces, 'http/putty-upload.pcap'), path.join(traces, 'http/get.pcap')], { BROAPT_LOG_LEVEL: 'info' });
    expect(result.code).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.includes('"transfers"')).map((line) => JSON.parse(line) as { pcap: string; missed: number; notExtracted?: string[] });
    const byCapture = new Map(lines.map((line) => [path.basename(line.pcap), line]));
    expect([...byCapture.keys()].sort()).toEqual(['get.pcap', 'putty-upload.pcap', 'retr.pcap']);
    expect(byCapture.get('retr.pcap')!.notExtracted).toEqual([expect.stringContaining('FTP RETR /README')]);
    expect(byCapture.get('putty-upload.pcap')!.notExtracted).toEqual([expect.stringContaining('HTTP POST /upload')]);
    expect(byCapture.get('get.pcap')!.missed).toBe(0);
  });

  test('mail comes out as message/rfc822, a text attachment keeps the text type its sender gave it', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    expect((await runTshark(ws, [path.join(fixtures, 'pcaps/zeek-btest-traces/smtp.pcap')])).code).toBe(0);
    const files = await records(path.join([...(await logFolders(ws)).values()][0]!, 'files.log'));
    expect(files.filter((r) => r.depth === 0).map((r) => r.mime_type)).toEqual(['message/rfc822', 'message/rfc822']);
    // Zeek's files.log for the same trace calls NEWS.txt text/plain; libmagic alone says text/html.
    const zeeks = await records(path.join(fixtures, 'zeek-logs/tsv/zeek-3.3.0-dev-btest/smtp-attachment/files.log'));
    const news = files.find((r) => r.filename === 'NEWS.txt')!;
    expect(news.mime_type).toBe(zeeks.find((r) => r.filename === 'NEWS.txt')!.mime_type);
  });

  test('a tshark capture gets http.log and the http_connections.log made from it', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    expect((await runTshark(ws, [path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap')])).code).toBe(0);
    const folder = [...(await logFolders(ws)).values()][0]!;
    const zeeks = await records(path.join(fixtures, 'zeek-logs/json/zeek-9.1.0-dev-btest-canonified/http-get-uri-sha256/http.log'));
    const ours = await records(path.join(folder, 'http.log'));
    expect(ours).toHaveLength(zeeks.length);
    for (const field of ['id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'method', 'host', 'uri', 'user_agent', 'status_code']) {
      expect(ours.map((r) => r[field]), field).toEqual(zeeks.map((r) => r[field]));
    }
    const connections = (await readFile(path.join(folder, 'http_connections.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { url: string });
    expect(connections.map((c) => c.url)).toEqual(['http://bro.org/download/CHANGES.bro-aux.txt']);
  });

  test('a second run skips processed captures; file names are stable across runs', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const folder = path.join(ws.dir, 'captures');
    await mkdir(folder);
    await copyFile(path.join(fixtures, 'pcaps/strelka/test.pcap'), path.join(folder, 'a.pcap'));
    await writeFile(path.join(folder, 'notes.txt'), 'not a capture');
    expect((await runTshark(ws, [folder])).code).toBe(0);
    const first = (await ws.readLines('dump.log')).sort();
    expect(first.length).toBeGreaterThanOrEqual(3);
    expect(await ws.readLines('processed_pcaps.log' as 'dump.log')).toHaveLength(1);

    const again = await runTshark(ws, [folder]);
    expect(again.code).toBe(0);
    expect((await ws.readLines('dump.log')).sort()).toEqual(first);

    // A fresh workspace extracting the same capture names every file the same.
    const other = workspace();
    const otherLogs = path.join(ws.dir, 'logs2');
    const otherDump = path.join(ws.dir, 'dump2');
    expect((await runTshark(other, [folder], { BROAPT_LOGS_PATH: otherLogs, BROAPT_DUMP_PATH: otherDump })).code).toBe(0);
    const names = (text: string) => text.trim().split('\n').map((line) => path.basename(line)).sort();
    expect(names(await readFile(path.join(otherLogs, 'dump.log'), 'utf8'))).toEqual(first.map((line) => path.basename(line)).sort());
  });

  test('files of one capture are analysed while the next capture is extracted', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    // Every app waits for the second capture's files.log: it exists only if extraction went on while files were analysed.
    await ws.writeApi(`
example:
  report: for i in $(seq 100); do ls ${ws.logs}/second-*/files.log >/dev/null 2>&1 && exit 0; sleep 0.1; done; exit 1
`);
    const folder = path.join(ws.dir, 'captures');
    await mkdir(folder);
    await copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'), path.join(folder, 'first.pcap'));
    await copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/flash-version.pcap'), path.join(folder, 'second.pcap'));
    const result = await runTshark(ws, [folder], { BROAPT_CPU: '1', BROAPT_MAX_RETRY: '1' });
    expect(result.code).toBe(0);
    expect(await ws.readLines('dump.log')).toHaveLength(2);
  });

  test('refuses what it cannot process, saying what to do', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const notPcap = await ws.addFile('notes.txt', 'hello');
    const refused = await runTshark(ws, [notPcap]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not a PCAP or pcapng file');
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    const pcap = path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap');
    const noZeek = await runCli(['run', pcap], { ...ws.env, PATH: '/usr/bin:/bin', BROAPT_ZEEK: '' });
    expect(noZeek.code).toBe(2);
    expect(noZeek.stderr).toContain('--engine tshark');

    const unknown = await runCli(['run', '--engine', 'snort', pcap], ws.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('use zeek or tshark');

    const badSites = await runTshark(ws, [pcap], { BROAPT_SITES: path.join(ws.dir, 'missing') });
    expect(badSites.code).toBe(2);
    expect(badSites.stderr).toContain('BROAPT_SITES');
  });
});

describe('the logs loop and the dump folder disk', () => {
  test('a capture waits while the disk is above the high watermark and goes once it is under the low one', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const session = await openSession(resolveSettings({}, { ...ws.env, BROAPT_APP_CPU: '1' }));
    let used = 0.95;
    const seen: number[] = [];
    const watermark = new DiskWatermark(ws.dump, { high: 0.9, low: 0.8, pollMs: 20, usage: async () => (seen.push(used), used) });
    try {
      const queue = await PcapQueue.open(session, tsharkEngine(), { parallel: 1, hooks: [], watermark });
      queue.add(path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'));
      queue.close();
      await waitFor(() => seen.length >= 5, 5_000, 'the watermark to be polled');
      expect(watermark.holding).toBe(true);
      expect(await logFolders(ws)).toEqual(new Map());
      used = 0.85; // between the marks: still held, so it does not flap around one threshold
      const polled = seen.length;
      await waitFor(() => seen.length >= polled + 3, 5_000, 'more polls');
      expect(await logFolders(ws)).toEqual(new Map());
      used = 0.5;
      const result = await queue.finished();
      expect(result.failed).toEqual([]);
      expect(await ws.readLines('dump.log')).toHaveLength(1);
    } finally {
      await session.close();
    }
  });
});
