import fs from 'node:fs';
import path from 'node:path';
import { readConns, type Endpoints } from '../hooks/extracted-files.ts';
import { zeekLog } from '../hooks/folder.ts';
import { readZeekLog } from '../zeek/read.ts';
import type { ZeekRecord } from '../zeek/values.ts';

/** The logs folder and each capture's log folder in it (`run` writes `<pcap stem>-<uuid>/`) that hold a files.log. */
function captureFolders(logsPath: string): string[] {
  const subfolders = fs.readdirSync(logsPath, { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.isSymbolicLink());
  return [logsPath, ...subfolders.map((entry) => path.join(logsPath, entry.name))].filter((dir) => zeekLog(dir, 'files.log') !== undefined);
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every host a files.log row names: its own (Zeek 5.1+: `id.*`; before: `tx_hosts`/`rx_hosts`) and its connections' in conn.log. */
function hostsOf(record: ZeekRecord, conns: Map<string, Endpoints>): Set<string> {
  const hosts = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value !== '') hosts.add(value);
  };
  for (const host of [...list(record.tx_hosts), ...list(record.rx_hosts), record['id.orig_h'], record['id.resp_h']]) add(host);
  for (const uid of [...list(record.conn_uids), record.uid]) {
    const ends = typeof uid === 'string' ? conns.get(uid) : undefined;
    if (ends) for (const host of [ends.orig_h, ends.resp_h]) add(host);
  }
  return hosts;
}

/**
 * The fuids of the files `host` sent or received, from the captures' Zeek
 * logs in `logsPath` (files.log joined with conn.log by uid). Undefined when
 * the folder has no files.log to answer from.
 */
export async function fuidsOfHost(logsPath: string, host: string): Promise<Set<string> | undefined> {
  const folders = captureFolders(logsPath);
  if (folders.length === 0) return undefined;
  const fuids = new Set<string>();
  for (const folder of folders) {
    const conns = await readConns(folder);
    for await (const record of readZeekLog(zeekLog(folder, 'files.log')!)) {
      if (typeof record.fuid === 'string' && hostsOf(record, conns).has(host)) fuids.add(record.fuid);
    }
  }
  return fuids;
}
