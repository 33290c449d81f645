import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readZeekLog, ZeekJsonWriter, ZeekTsvWriter, type ZeekRecord } from '../source/index.ts';
import { fixturesDir, requireFixtures } from './helpers/fixtures.ts';

/** Fixture logs under zeek-logs/<format>, relative to that folder (the list is empty without fixtures; each test then skips or fails in CI). */
function logs(format: 'tsv' | 'json'): string[] {
  const dir = fixturesDir();
  if (dir === undefined) return ['(fixtures missing)'];
  const root = path.join(dir, 'zeek-logs', format);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(log|tsv|json)(\.gz)?$/.test(name))
    .sort();
}

function decompressed(file: string): string {
  const bytes = readFileSync(file);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

async function roundTrip(file: string, format: 'tsv' | 'json'): Promise<string> {
  const out: string[] = [];
  const sink = { write: (chunk: string) => out.push(chunk) };
  const writer = format === 'tsv' ? new ZeekTsvWriter(sink) : new ZeekJsonWriter(sink);
  for await (const entry of readZeekLog(file).entries()) writer.write(entry);
  return out.join('');
}

async function records(file: string): Promise<ZeekRecord[]> {
  const all: ZeekRecord[] = [];
  for await (const record of readZeekLog(file)) all.push(record);
  return all;
}

/** Record counts per file, from the fixtures' SOURCES.md. */
const COUNTS: Record<string, number> = {
  'tsv/bro-2.2-zat/conn.log': 360,
  'tsv/bro-2.2-zat/http.log': 150,
  'tsv/bro-2.2-zat/files.log': 113,
  'tsv/bro-2.2-zat/dns.log': 54,
  'tsv/bro-2.2-zat/ssl.log': 37,
  'tsv/bro-2.2-zat/weird.log': 12,
  'tsv/bro-2.5-infectedpcap/conn.log': 15,
  'tsv/bro-2.5-infectedpcap/files.log': 8,
  'tsv/bro-2.5-infectedpcap/dns.log': 9,
  'tsv/zeek-3.3.0-dev-btest/smtp-attachment/files.log': 4,
  'tsv/zeek-3.3.0-dev-btest/ftp-ipv4/ftp.log': 6,
  'tsv/zeek-6.2.0-wrccdc/ftp.log.gz': 93,
  'tsv/zeek-6.2.0-wrccdc/smtp.log.gz': 1188,
  'tsv/zeek-6.2.0-wrccdc/pe.log.gz': 21,
  'tsv/zeek-6.2.0-wrccdc/smb_files.log.gz': 13,
  'tsv/zeek-9.1.0-dev-btest-canonified/http-concurrent-range-requests/files.log': 3,
  'tsv/zeek-9.1.0-dev-btest-canonified/http-non-printable/http.log.tsv': 4,
  'json/zeek-6.2.0-wrccdc/ftp.json.gz': 93,
  'json/zeek-6.2.0-wrccdc/smtp.json.gz': 1188,
  'json/zeek-3.2.4-zat/conn.log': 50,
  'json/zeek-3.2.4-zat/files.log': 50,
  'json/zeek-3.2.4-zat/loaded_scripts.log': 50,
  'json/zeek-3.2.4-zat/dhcp.log': 1,
  'json/zeek-9.1.0-dev-btest-canonified/http-non-printable/http.log.json': 4,
};

describe('Zeek fixture logs', () => {
  it.for(logs('tsv'))('TSV read→write reproduces tsv/%s byte for byte', async (name, context) => {
    const file = path.join(requireFixtures(context), 'zeek-logs', 'tsv', name);
    expect(await roundTrip(file, 'tsv')).toBe(decompressed(file));
  });

  it.for(logs('json'))('JSON read→write reproduces json/%s byte for byte', async (name, context) => {
    const file = path.join(requireFixtures(context), 'zeek-logs', 'json', name);
    expect(await roundTrip(file, 'json')).toBe(decompressed(file));
  });

  it.for(Object.entries(COUNTS))('%s holds %i records', async ([name, count], context) => {
    const file = path.join(requireFixtures(context), 'zeek-logs', name);
    const reader = readZeekLog(file);
    let seen = 0;
    for await (const _ of reader) seen += 1;
    expect([seen, reader.stats.records, reader.stats.skipped]).toEqual([count, count, 0]);
    expect(reader.format).toBe(name.startsWith('tsv/') ? 'tsv' : 'json');
  });

  it('types http-get/files.log (pre-5.1 files.log: tx_hosts, rx_hosts, conn_uids)', async (context) => {
    const file = path.join(requireFixtures(context), 'zeek-logs/tsv/zeek-3.3.0-dev-btest/http-get/files.log');
    const reader = readZeekLog(file);
    const all: ZeekRecord[] = [];
    for await (const one of reader) all.push(one);
    const [record] = all;
    expect(record).toMatchObject({
      ts: 1362692527.009512,
      fuid: 'FMnxxt3xjVcWNS2141',
      tx_hosts: ['192.150.187.43'],
      rx_hosts: ['141.142.228.5'],
      conn_uids: ['CHhAvVGS1DHFjwGM9'],
      analyzers: ['SHA256', 'EXTRACT', 'SHA1', 'MD5', 'DATA_EVENT'],
      duration: 0.000263,
      local_orig: null,
      is_orig: false,
      seen_bytes: 4705,
      depth: 0,
      filename: null,
      extracted: 'FMnxxt3xjVcWNS2141-file',
      extracted_cutoff: false,
      extracted_size: null,
    });
    expect(reader.header).toMatchObject({ path: 'files', open: '2020-07-06-18-30-22', close: '2020-07-06-18-30-22', setSeparator: ',' });
    expect(reader.header.types[2]).toBe('set[addr]');
  });

  it('types the 5.1+ files.log layout (uid, id.*), with unset connection fields as null', async (context) => {
    const dir = path.join(requireFixtures(context), 'zeek-logs/tsv/zeek-9.1.0-dev-btest-canonified');
    const [ranged] = await records(path.join(dir, 'http-concurrent-range-requests/files.log'));
    expect(ranged).toMatchObject({ fuid: 'FaGjhv1ozACeoEnwg5', 'id.resp_p': 80, total_bytes: 104857600, missing_bytes: 179998, timedout: true, mime_type: null });
    expect(ranged).not.toHaveProperty('tx_hosts');
    expect(Number.isNaN(ranged?.ts)).toBe(true);
    const [fromDisk] = await records(path.join(dir, 'file-analyzer-violation/files.log'));
    expect(fromDisk).toMatchObject({ uid: null, 'id.orig_h': null, 'id.orig_p': null, source: './myfile.exe', analyzers: ['PE'] });
  });

  it('decodes escapes, empty containers and 64-bit counts', async (context) => {
    const dir = path.join(requireFixtures(context), 'zeek-logs/tsv');
    const uris = (await records(path.join(dir, 'zeek-9.1.0-dev-btest-canonified/http-non-printable/http.log.tsv'))).map((r) => r.uri);
    expect(uris).toEqual(['/regular_file.html', '/printable_😄', '/non_printable_\x07', '/non_printable_literal_\\x07']);
    const [http] = await records(path.join(dir, 'zeek-9.1.0-dev-btest-canonified/http-non-printable/http.log.tsv'));
    expect(http?.tags).toEqual([]);
    const big = await records(path.join(dir, 'zeek-3.3.0-dev-btest/ftp-bigtransfer/conn.log'));
    expect(big.map((r) => r.resp_bytes)).toContain(5416666670);
    const ftp = await records(path.join(dir, 'zeek-6.2.0-wrccdc/ftp.log.gz'));
    expect(ftp.some((r) => typeof r.arg === 'string' && r.arg.includes('..\\..\\'))).toBe(true);
  });

  it('reads the wrccdc TSV .gz and JSON .gz as the same records', async (context) => {
    const dir = path.join(requireFixtures(context), 'zeek-logs');
    for (const [tsvName, jsonName] of [
      ['ftp.log.gz', 'ftp.json.gz'],
      ['smtp.log.gz', 'smtp.json.gz'],
      ['pe.log.gz', 'pe.json.gz'],
      ['smb_files.log.gz', 'smb_files.json.gz'],
    ] as const) {
      const tsv = await records(path.join(dir, 'tsv/zeek-6.2.0-wrccdc', tsvName));
      const json = await records(path.join(dir, 'json/zeek-6.2.0-wrccdc', jsonName));
      expect(json).toHaveLength(tsv.length);
      tsv.forEach((row, i) => {
        const other = json[i] as ZeekRecord;
        // JSON leaves unset fields out where TSV writes `-`; every field JSON has must match.
        for (const [key, value] of Object.entries(other)) {
          if (!key.startsWith('_')) expect([tsvName, i, key, row[key]]).toEqual([tsvName, i, key, value]);
        }
        expect(row.ts).toBe(other.ts);
      });
    }
  });
});
