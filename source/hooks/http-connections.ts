import { isIP } from 'node:net';
import path from 'node:path';
import { readZeekLog } from '../zeek/read.ts';
import type { ZeekRecord, ZeekValue } from '../zeek/values.ts';
import type { Hook } from './hook.ts';
import { writeJsonLines, zeekLog } from './folder.ts';

/**
 * The reference appends these records to `<logs>/http.log`; in a log folder
 * that name is Zeek's own http.log, so they get a name of their own.
 */
export const HTTP_CONNECTIONS_LOG = 'http_connections.log';

/** One line of http_connections.log: the reference's fields, null where http.log has no source for them. */
export interface HttpConnection {
  srcip: ZeekValue;
  ad: null;
  ts: number | null;
  url: string | null;
  ref: string | null;
  ua: string | null;
  dstip: ZeekValue;
  cookie: string | null;
  src_port: ZeekValue;
  json: Record<string, string> | null;
  method: ZeekValue;
  body: string | null;
}

function base64(value: ZeekValue | undefined): string | null {
  return typeof value === 'string' ? Buffer.from(value, 'utf8').toString('base64') : null;
}

/** `headers` is BroAPT's own http.log field (raw `Name: value` lines); stock Zeek logs have none. */
function headers(value: ZeekValue | undefined): Record<string, string> | null {
  if (typeof value !== 'string') return null;
  const pairs: Record<string, string> = {};
  for (const line of value.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) pairs[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return pairs;
}

/**
 * The request's URL: an absolute URI (a proxy request) as it is, otherwise the
 * Host header, or the responder's address and non-default port, before the URI.
 */
function url(record: ZeekRecord): string | null {
  const uri = typeof record.uri === 'string' ? record.uri : '';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return uri;
  let host = typeof record.host === 'string' && record.host !== '' ? record.host : undefined;
  if (host === undefined) {
    const addr = record['id.resp_h'];
    if (typeof addr !== 'string') return uri === '' ? null : uri;
    const port = record['id.resp_p'];
    host = `${isIP(addr) === 6 ? `[${addr}]` : addr}${port === 80 || port === null || port === undefined ? '' : `:${String(port)}`}`;
  }
  return `http://${host}${uri}`;
}

export function httpConnection(record: ZeekRecord): HttpConnection {
  return {
    srcip: record['id.orig_h'] ?? null,
    ad: null,
    // Milliseconds, as the reference's consumers expect.
    ts: typeof record.ts === 'number' ? Math.floor(record.ts * 1000) : null,
    url: url(record),
    ref: base64(record.referrer),
    ua: base64(record.user_agent),
    dstip: record['id.resp_h'] ?? null,
    cookie: base64(record.cookies),
    src_port: record['id.orig_p'] ?? null,
    json: headers(record.headers),
    method: record.method ?? null,
    body: base64(record.post_body),
  };
}

async function* httpConnections(file: string): AsyncGenerator<HttpConnection> {
  for await (const record of readZeekLog(file)) yield httpConnection(record);
}

/** Built-in hook: writes http_connections.log (JSON lines) into the log folder when it has an http.log. */
export const httpConnectionsHook: Hook = {
  name: 'http-connections',
  async hook(logDir) {
    const file = zeekLog(logDir, 'http.log');
    if (file === undefined) return [];
    const out = path.join(logDir, HTTP_CONNECTIONS_LOG);
    await writeJsonLines(out, httpConnections(file));
    return [out];
  },
};
