import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { zeekLog } from '../hooks/folder.ts';
import { readZeekLog } from '../zeek/read.ts';
import type { ZeekRecord, ZeekValue } from '../zeek/values.ts';
import type { ConnectionContext } from './alert.ts';

/** Records read from one log at most: a capture's logs can be huge, an alert's context must stay cheap. */
const MAX_RECORDS = 200_000;
/** Captures whose index is kept; a capture's alerts usually come close together. */
const MAX_CAPTURES = 8;
/** Log folders of one PCAP stem looked at, newest first (each run of a capture makes one). */
const MAX_FOLDERS = 4;
/** `<stem>-<uuid4>`, as `run` names a capture's log folder. */
const UUID_SUFFIX = /-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Index = Map<string, ConnectionContext>;

const strings = (value: ZeekValue | undefined): string[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).filter((v): v is string => typeof v === 'string');
const text = (value: ZeekValue | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

async function* bounded(file: string | undefined): AsyncGenerator<ZeekRecord> {
  if (file === undefined) return;
  let count = 0;
  for await (const record of readZeekLog(file, { lenient: true })) {
    if (++count > MAX_RECORDS) return;
    yield record;
  }
}

/** files.log's connection fields: conn_uids and tx/rx hosts before Zeek 5.1, one uid and its id.* after. */
function fromFilesLog(record: ZeekRecord): ConnectionContext {
  const context: ConnectionContext = {};
  const uids = strings(record.conn_uids);
  if (uids.length > 0) context.conn_uids = uids;
  const uid = text(record.uid);
  if (uid !== undefined) context.uid = uid;
  const orig = text(record['id.orig_h']);
  const resp = text(record['id.resp_h']);
  if (orig !== undefined) context['id.orig_h'] = orig;
  if (resp !== undefined) context['id.resp_h'] = resp;
  const sender = strings(record.tx_hosts)[0] ?? (record.is_orig === false ? resp : record.is_orig === true ? orig : undefined);
  if (sender !== undefined) context.sender = sender;
  return context;
}

/** One capture's log folder read into fuid → context: files.log joined with conn.log, http.log and smtp.log. */
async function indexFolder(folder: string): Promise<Index> {
  const index: Index = new Map();
  for await (const record of bounded(zeekLog(folder, 'files.log'))) {
    const fuid = text(record.fuid);
    if (fuid !== undefined) index.set(fuid, fromFilesLog(record));
  }
  if (index.size === 0) return index;
  // Before Zeek 5.1 files.log names connections only: their endpoints are in conn.log.
  const wanted = new Map<string, ConnectionContext[]>();
  for (const context of index.values()) {
    if (context['id.orig_h'] !== undefined) continue;
    for (const uid of context.conn_uids ?? []) wanted.set(uid, [...(wanted.get(uid) ?? []), context]);
  }
  if (wanted.size > 0) {
    for await (const record of bounded(zeekLog(folder, 'conn.log'))) {
      for (const context of wanted.get(String(record.uid)) ?? []) {
        context['id.orig_h'] ??= text(record['id.orig_h']);
        context['id.resp_h'] ??= text(record['id.resp_h']);
      }
    }
  }
  for await (const record of bounded(zeekLog(folder, 'http.log'))) {
    for (const fuid of [...strings(record.orig_fuids), ...strings(record.resp_fuids)]) {
      const context = index.get(fuid);
      if (context === undefined) continue;
      const host = text(record.host);
      const uri = text(record.uri);
      if (host !== undefined) context.host = host;
      if (uri !== undefined) context.uri = uri;
    }
  }
  for await (const record of bounded(zeekLog(folder, 'smtp.log'))) {
    for (const fuid of strings(record.fuids)) {
      const context = index.get(fuid);
      if (context === undefined) continue;
      const from = text(record.mailfrom);
      const to = strings(record.rcptto);
      if (from !== undefined) context.mailfrom = from;
      if (to.length > 0) context.rcptto = to;
    }
  }
  for (const context of index.values()) {
    for (const key of Object.keys(context) as Array<keyof ConnectionContext>) if (context[key] === undefined) delete context[key];
  }
  return index;
}

/** What a lookup found, and whether the capture may still be writing its logs (worth asking again shortly). */
interface ContextAnswer {
  context: ConnectionContext | undefined;
  /** A log folder of the capture changed within the last `activeMs`. */
  active: boolean;
}

/**
 * The connection that carried a file, from its capture's Zeek logs in the
 * logs folder (`<logs>/<pcap stem>-<uuid>/`, as `run` writes them). Each
 * folder is read once per version of its files.log, and only the last few
 * captures are kept.
 */
export class CaptureContexts {
  readonly #logsPath: string;
  readonly #cache = new Map<string, { stamp: string; index: Promise<Index> }>();

  constructor(logsPath: string) {
    this.#logsPath = logsPath;
  }

  async lookup(pcap: string | null, fuids: string[], activeMs: number): Promise<ContextAnswer> {
    if (pcap === null || pcap === '') return { context: undefined, active: false };
    let active = false;
    for (const folder of await this.#folders(pcap)) {
      const files = zeekLog(folder.path, 'files.log');
      const stats = files === undefined ? undefined : await stat(files).catch(() => undefined);
      active ||= Date.now() - Math.max(folder.mtimeMs, stats?.mtimeMs ?? 0) < activeMs;
      if (stats === undefined) continue;
      const index = await this.#index(folder.path, `${stats.mtimeMs}:${stats.size}`);
      for (const fuid of fuids) {
        const context = index.get(fuid);
        if (context !== undefined) return { context, active };
      }
    }
    return { context: undefined, active };
  }

  async #folders(pcap: string): Promise<Array<{ path: string; mtimeMs: number }>> {
    const names = (await readdir(this.#logsPath).catch(() => [] as string[])).filter((name) => name.startsWith(`${pcap}-`) && UUID_SUFFIX.test(name) && name.length - 37 === pcap.length);
    const folders = await Promise.all(names.map(async (name) => ({ path: path.join(this.#logsPath, name), mtimeMs: (await stat(path.join(this.#logsPath, name)).catch(() => undefined))?.mtimeMs ?? 0 })));
    return folders.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(0, MAX_FOLDERS);
  }

  #index(folder: string, stamp: string): Promise<Index> {
    const cached = this.#cache.get(folder);
    if (cached?.stamp === stamp) {
      // Most recently used last, so the oldest is the first to go.
      this.#cache.delete(folder);
      this.#cache.set(folder, cached);
      return cached.index;
    }
    const index = indexFolder(folder).catch(() => new Map() as Index);
    this.#cache.delete(folder);
    this.#cache.set(folder, { stamp, index });
    while (this.#cache.size > MAX_CAPTURES) this.#cache.delete(this.#cache.keys().next().value!);
    return index;
  }
}
