import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { sniffMime } from '../entry/sniff.ts';
import { readZeekLog } from '../zeek/read.ts';
import type { ZeekRecord, ZeekValue } from '../zeek/values.ts';
import type { Hook, HookContext } from './hook.ts';
import { writeJsonLines, zeekLog } from './folder.ts';

export const EXTRACTED_FILES_LOG = 'extracted_files.log';

/** The reference names each log folder `<pcap stem>-<uuid4>`. */
const FOLDER_NAME = /^.*?-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export interface Endpoints {
  orig_h: ZeekValue;
  orig_p: ZeekValue;
  resp_h: ZeekValue;
  resp_p: ZeekValue;
}

export interface Conn {
  src_h: ZeekValue;
  src_p: ZeekValue;
  dst_h: ZeekValue;
  dst_p: ZeekValue;
}

/** One line of extracted_files.log, with the reference's field names. */
export interface ExtractedFile {
  timestamp: ZeekValue;
  log_uuid: string | null;
  log_path: string;
  log_name: string;
  dump_path: string | null;
  local_name: string;
  source_name: ZeekValue;
  hosts: Array<{ tx: ZeekValue; rx: ZeekValue }>;
  conns: Conn[];
  bro_mime_type: ZeekValue;
  real_mime_type: string | null;
  hash: { md5: ZeekValue; sha1: ZeekValue; sha256: ZeekValue };
}

function endpoints(record: ZeekRecord): Endpoints {
  return { orig_h: record['id.orig_h'] ?? null, orig_p: record['id.orig_p'] ?? null, resp_h: record['id.resp_h'] ?? null, resp_p: record['id.resp_p'] ?? null };
}

/**
 * The file's sender as source. An unset is_orig (a file not seen on a
 * connection) keeps the connection's own direction, as the reference's NaN did.
 */
function directed(ends: Endpoints, isOrig: ZeekValue): Conn {
  return isOrig === false
    ? { src_h: ends.resp_h, src_p: ends.resp_p, dst_h: ends.orig_h, dst_p: ends.orig_p }
    : { src_h: ends.orig_h, src_p: ends.orig_p, dst_h: ends.resp_h, dst_p: ends.resp_p };
}

/** conn.log read once into uid → endpoints; a folder without conn.log gives an empty map. */
export async function readConns(logDir: string): Promise<Map<string, Endpoints>> {
  const conns = new Map<string, Endpoints>();
  const file = zeekLog(logDir, 'conn.log');
  if (file === undefined) return conns;
  for await (const record of readZeekLog(file)) {
    if (typeof record.uid === 'string') conns.set(record.uid, endpoints(record));
  }
  return conns;
}

const list = (value: ZeekValue | undefined): ZeekValue[] => (Array.isArray(value) ? value : []);

/** The extracted file under the dump folder, if it is there as a regular file (links are never followed). */
async function dumped(dumpPath: string, localName: string): Promise<string | undefined> {
  const file = path.resolve(dumpPath, localName);
  const stats = await lstat(file).catch(() => undefined);
  return stats?.isFile() ? file : undefined;
}

/**
 * Joins files.log with conn.log into one object per extracted file. Before
 * Zeek 5.1 a files.log row names its connections (`conn_uids`) and hosts
 * (`tx_hosts`/`rx_hosts`); from 5.1 on it carries one connection itself
 * (`uid`, `id.*`), whose sender `is_orig` tells.
 */
export async function* extractedFiles(logDir: string, context: HookContext): AsyncGenerator<ExtractedFile> {
  const file = zeekLog(logDir, 'files.log');
  if (file === undefined) return;
  const logPath = path.resolve(logDir);
  const logName = path.basename(logPath);
  let conns: Map<string, Endpoints> | undefined;
  for await (const record of readZeekLog(file)) {
    const localName = record.extracted;
    if (localName === null || localName === undefined || localName === '') continue;
    const isOrig = record.is_orig ?? null;
    let hosts: ExtractedFile['hosts'];
    let joined: Conn[];
    if ('conn_uids' in record || 'tx_hosts' in record) {
      conns ??= await readConns(logDir);
      const rx = list(record.rx_hosts);
      hosts = list(record.tx_hosts).flatMap((tx, i) => (i < rx.length ? [{ tx, rx: rx[i] as ZeekValue }] : []));
      joined = list(record.conn_uids).flatMap((uid) => {
        const ends = conns!.get(String(uid));
        return ends === undefined ? [] : [directed(ends, isOrig)];
      });
    } else {
      const conn = directed(endpoints(record), isOrig);
      hosts = conn.src_h === null ? [] : [{ tx: conn.src_h, rx: conn.dst_h }];
      joined = conn.src_h === null ? [] : [conn];
    }
    const dumpPath = await dumped(context.dumpPath, String(localName));
    yield {
      timestamp: record.ts ?? null,
      log_uuid: FOLDER_NAME.exec(logName)?.[1] ?? null,
      log_path: logPath,
      log_name: logName,
      dump_path: dumpPath ?? null,
      local_name: String(localName),
      source_name: record.filename ?? null,
      hosts,
      conns: joined,
      bro_mime_type: record.mime_type ?? null,
      real_mime_type: dumpPath === undefined ? null : await sniffMime(dumpPath),
      hash: { md5: record.md5 ?? null, sha1: record.sha1 ?? null, sha256: record.sha256 ?? null },
    };
  }
}

/** Built-in hook: writes extracted_files.log (JSON lines) into the log folder when it has a files.log. */
export const extractedFilesHook: Hook = {
  name: 'extracted-files',
  async hook(logDir, context) {
    if (zeekLog(logDir, 'files.log') === undefined) return [];
    const out = path.join(logDir, EXTRACTED_FILES_LOG);
    await writeJsonLines(out, extractedFiles(logDir, context));
    return [out];
  },
};
