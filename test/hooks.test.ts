import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { sniffMime } from '../source/entry/sniff.ts';
import { EXTRACTED_FILES_LOG, extractedFilesHook, type ExtractedFile } from '../source/hooks/extracted-files.ts';
import { runExitHooks, runHooks, type Hook } from '../source/hooks/hook.ts';
import { HTTP_CONNECTIONS_LOG, httpConnectionsHook } from '../source/hooks/http-connections.ts';
import { readZeekLog } from '../source/zeek/read.ts';
import { ZeekTsvWriter } from '../source/zeek/tsv-writer.ts';
import type { ZeekRecord } from '../source/zeek/values.ts';
import { requireFixtures } from './helpers/fixtures.ts';

const UUID = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
let tmp: string | undefined;
afterEach(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** A log folder holding copies of the given fixture logs, named as the reference names them. */
async function logFolder(name: string, logs: string[]): Promise<string> {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-hooks-'));
  const dir = path.join(tmp, name);
  await mkdir(dir);
  for (const log of logs) await copyFile(log, path.join(dir, path.basename(log)));
  return dir;
}

async function records(file: string): Promise<ZeekRecord[]> {
  const out: ZeekRecord[] = [];
  for await (const record of readZeekLog(file)) out.push(record);
  return out;
}

async function jsonLines<T>(file: string): Promise<T[]> {
  return (await readFile(file, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as T);
}

async function extracted(dir: string, dumpPath: string): Promise<ExtractedFile[]> {
  const written = await extractedFilesHook.hook!(dir, { dumpPath });
  expect(written).toEqual([path.join(dir, EXTRACTED_FILES_LOG)]);
  return jsonLines<ExtractedFile>(path.join(dir, EXTRACTED_FILES_LOG));
}

describe('extracted-files hook', () => {
  test('Zeek 3 http-get: one extracted file, hosts and hashes from files.log, no conn.log so no conns', async (context) => {
    const fixtures = requireFixtures(context);
    const dir = await logFolder('http-get', [path.join(fixtures, 'zeek-logs/tsv/zeek-3.3.0-dev-btest/http-get/files.log')]);
    const [only, ...rest] = await extracted(dir, path.join(tmp!, 'no-dump'));
    expect(rest).toEqual([]);
    expect(only).toEqual({
      timestamp: 1362692527.009512,
      log_uuid: null,
      log_path: dir,
      log_name: 'http-get',
      dump_path: null,
      local_name: 'FMnxxt3xjVcWNS2141-file',
      source_name: null,
      hosts: [{ tx: '192.150.187.43', rx: '141.142.228.5' }],
      conns: [],
      bro_mime_type: 'text/plain',
      real_mime_type: null,
      hash: {
        md5: '397168fd09991a0e712254df7bc639ac',
        sha1: '1dd7ac0398df6cbc0696445a91ec681facf4dc47',
        sha256: '4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18',
      },
    });
  });

  test('Zeek 3 ftp-retr-extract-limit: real_mime_type comes from the extracted file when it is in the dump folder', async (context) => {
    const fixtures = requireFixtures(context);
    const dir = await logFolder('retr', [path.join(fixtures, 'zeek-logs/tsv/zeek-3.3.0-dev-btest/ftp-retr-extract-limit/files.log')]);
    const extractDir = path.join(fixtures, 'extracted/zeek-3.3.0-dev-btest/ftp-retr-extract-limit');
    const [missing] = await extracted(dir, extractDir);
    // Zeek named it `2`; btest stored it as extract_files.2, so it is not in this dump folder.
    expect(missing).toMatchObject({ local_name: '2', dump_path: null, real_mime_type: null, bro_mime_type: 'text/plain' });
    const dump = path.join(tmp!, 'dump');
    await mkdir(dump);
    await copyFile(path.join(extractDir, 'extract_files.2'), path.join(dump, '2'));
    const [found] = await extracted(dir, dump);
    expect(found).toMatchObject({ local_name: '2', dump_path: path.join(dump, '2'), real_mime_type: 'text/plain', hash: { md5: null, sha1: null, sha256: null } });
    expect(found!.hosts).toEqual([{ tx: '141.142.192.162', rx: '141.142.228.5' }]);
  });

  test('Bro 2.5 infected pcap: every extracted row, joined with conn.log in the file sender direction', async (context) => {
    const fixtures = requireFixtures(context);
    const source = path.join(fixtures, 'zeek-logs/tsv/bro-2.5-infectedpcap');
    const dumpPath = path.join(fixtures, 'extracted/bro-2.5-infectedpcap');
    const dir = await logFolder(`infected-${UUID}`, [path.join(source, 'files.log'), path.join(source, 'conn.log')]);
    const out = await extracted(dir, dumpPath);
    const files = (await records(path.join(source, 'files.log'))).filter((r) => r.extracted !== null);
    const conns = new Map((await records(path.join(source, 'conn.log'))).map((c) => [c.uid, c]));
    expect(files).toHaveLength(8);
    expect(out).toHaveLength(files.length);
    for (const [i, row] of files.entries()) {
      const got = out[i]!;
      expect(got).toMatchObject({ timestamp: row.ts, log_uuid: UUID, log_name: `infected-${UUID}`, log_path: dir, local_name: row.extracted, bro_mime_type: row.mime_type });
      expect(got.hash).toEqual({ md5: row.md5, sha1: row.sha1, sha256: row.sha256 });
      expect(got.hosts).toEqual((row.tx_hosts as string[]).map((tx, j) => ({ tx, rx: (row.rx_hosts as string[])[j] })));
      expect(row.is_orig).toBe(false);
      // is_orig F: the responder sent the file, so it is the source.
      expect(got.conns).toEqual(
        (row.conn_uids as string[]).map((uid) => {
          const c = conns.get(uid)!;
          return { src_h: c['id.resp_h'], src_p: c['id.resp_p'], dst_h: c['id.orig_h'], dst_p: c['id.orig_p'] };
        }),
      );
    }
    expect(out[0]!.conns).toEqual([{ src_h: '59.53.91.102', src_p: 80, dst_h: '192.168.23.129', dst_p: 1061 }]);
    const present = out.filter((f) => f.dump_path !== null);
    expect(present.map((f) => f.local_name)).toEqual(['extract-1268758221.744665-SSL-FOXSw43hGklBYILWHh', 'extract-1268758238.345221-HTTP-FAGlA733M0RvJJmpy4']);
    for (const f of present) expect(f.real_mime_type).toBe(await sniffMime(f.dump_path!));
    expect(present[1]!.real_mime_type).toBe('text/html');
    expect(out.filter((f) => f.dump_path === null).every((f) => f.real_mime_type === null)).toBe(true);
  });

  test('Zeek ≥ 5.1 layout (uid, id.*): the row carries its connection; is_orig picks the direction', async (context) => {
    const fixtures = requireFixtures(context);
    const real = readZeekLog(path.join(fixtures, 'zeek-logs/tsv/zeek-9.1.0-dev-btest-canonified/http-concurrent-range-requests/files.log'));
    for await (const _ of real) break;
    expect(real.header.fields).toContain('id.orig_h');
    expect(real.header.fields).not.toContain('conn_uids');
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-hooks-'));
    const dir = path.join(tmp, 'zeek7');
    await mkdir(dir);
    const sink = createWriteStream(path.join(dir, 'files.log'));
    const writer = new ZeekTsvWriter(sink);
    writer.writeHeader({ ...real.header, fields: [...real.header.fields, 'extracted'], types: [...real.header.types, 'string'] });
    const base = { ts: 1700000000.5, fuid: 'F1', 'id.orig_h': '10.0.0.1', 'id.orig_p': 50000, 'id.resp_h': '10.0.0.2', 'id.resp_p': 80, source: 'HTTP', mime_type: 'text/plain' };
    writer.writeRecord({ ...base, uid: 'C1', is_orig: false, extracted: 'HTTP-F1.txt' });
    writer.writeRecord({ ...base, fuid: 'F2', uid: 'C2', is_orig: true, extracted: 'HTTP-F2.txt' });
    writer.writeRecord({ ...base, fuid: 'F3', uid: 'C3', is_orig: false, extracted: null });
    sink.end();
    await once(sink, 'close');
    const out = await extracted(dir, tmp);
    expect(out.map((f) => [f.local_name, f.hosts, f.conns])).toEqual([
      ['HTTP-F1.txt', [{ tx: '10.0.0.2', rx: '10.0.0.1' }], [{ src_h: '10.0.0.2', src_p: 80, dst_h: '10.0.0.1', dst_p: 50000 }]],
      ['HTTP-F2.txt', [{ tx: '10.0.0.1', rx: '10.0.0.2' }], [{ src_h: '10.0.0.1', src_p: 50000, dst_h: '10.0.0.2', dst_p: 80 }]],
    ]);
  });

  test('no files.log: nothing written', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-hooks-'));
    expect(await extractedFilesHook.hook!(tmp, { dumpPath: tmp })).toEqual([]);
  });
});

describe('http-connections hook', () => {
  async function compare(dir: string, log: string) {
    const written = await httpConnectionsHook.hook!(dir, { dumpPath: dir });
    expect(written).toEqual([path.join(dir, HTTP_CONNECTIONS_LOG)]);
    const out = await jsonLines<Record<string, unknown>>(path.join(dir, HTTP_CONNECTIONS_LOG));
    const source = await records(log);
    expect(out).toHaveLength(source.length);
    const b64 = (v: unknown) => (typeof v === 'string' ? Buffer.from(v).toString('base64') : null);
    for (const [i, r] of source.entries()) {
      expect(out[i]).toEqual({
        srcip: r['id.orig_h'],
        ad: null,
        ts: Math.floor((r.ts as number) * 1000),
        url: `http://${r.host ?? `${r['id.resp_h']}${r['id.resp_p'] === 80 ? '' : `:${r['id.resp_p']}`}`}${r.uri ?? ''}`,
        ref: b64(r.referrer),
        ua: b64(r.user_agent),
        dstip: r['id.resp_h'],
        cookie: null,
        src_port: r['id.orig_p'],
        json: null,
        method: r.method ?? null,
        body: null,
      });
    }
    return out;
  }

  test('Bro 2.2 TSV http.log', async (context) => {
    const fixtures = requireFixtures(context);
    const log = path.join(fixtures, 'zeek-logs/tsv/bro-2.2-zat/http.log');
    const out = await compare(await logFolder('bro22', [log]), log);
    expect(out.some((r) => r.ref !== null)).toBe(true);
  });

  test('Zeek 3.2.4 JSON http.log', async (context) => {
    const fixtures = requireFixtures(context);
    const log = path.join(fixtures, 'zeek-logs/json/zeek-3.2.4-zat/http.log');
    const [first] = await compare(await logFolder('zeek32', [log]), log);
    expect(first).toMatchObject({ srcip: '10.18.20.97', ts: 1575413155938, url: 'http://mail.aol.com/', dstip: '69.147.64.34', src_port: 49203, method: 'GET' });
    expect(Buffer.from(first!.ua as string, 'base64').toString()).toBe('Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko');
  });
});

describe('hook isolation', () => {
  test('a throwing hook is reported with its name and folder; the others still run, exit hooks too', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-hooks-'));
    const ran: string[] = [];
    const hooks: Hook[] = [
      { name: 'broken', hook: () => { throw new Error('boom'); }, exit: async () => { throw new Error('exit boom'); } },
      { name: 'works', hook: (dir) => { ran.push(dir); return [path.join(dir, 'x')]; }, exit: () => { ran.push('exit'); } },
    ];
    const outcomes = await runHooks(hooks, tmp, { dumpPath: tmp });
    expect(outcomes.map((o) => [o.hook, o.written, o.error?.code])).toEqual([['broken', [], 'E_HOOK'], ['works', [path.join(tmp, 'x')], undefined]]);
    expect(outcomes[0]!.error!.message).toContain(`hook "broken" failed on ${tmp}: boom`);
    const exits = await runExitHooks(hooks, { dumpPath: tmp });
    expect(exits.map((o) => [o.hook, o.phase, o.error?.message])).toEqual([['broken', 'exit', expect.stringContaining('exit boom')], ['works', 'exit', undefined]]);
    expect(ran).toEqual([tmp, 'exit']);
  });
});
