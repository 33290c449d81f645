import { WholeLog } from './files-log.ts';
import type { HttpExchange } from './tshark-sessions.ts';

/** Zeek's http.log columns that tshark's fields can fill; the http-connections hook reads them. */
const FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['ts', 'time'],
  ['uid', 'string'],
  ['id.orig_h', 'addr'],
  ['id.orig_p', 'port'],
  ['id.resp_h', 'addr'],
  ['id.resp_p', 'port'],
  ['trans_depth', 'count'],
  ['method', 'string'],
  ['host', 'string'],
  ['uri', 'string'],
  ['referrer', 'string'],
  ['version', 'string'],
  ['user_agent', 'string'],
  ['request_body_len', 'count'],
  ['response_body_len', 'count'],
  ['status_code', 'count'],
  ['status_msg', 'string'],
];

const orUnset = (text: string): string | null => (text === '' ? null : text);

/** One PCAP's http.log from the sessions pass: one record per request, as Zeek writes it. */
export function httpLogOf(exchanges: HttpExchange[], uidOf: (stream: string) => string): WholeLog {
  const log = new WholeLog('http', FIELDS);
  for (const exchange of exchanges) {
    log.add({
      ts: exchange.ts,
      uid: uidOf(exchange.stream),
      'id.orig_h': exchange.origHost || null,
      'id.orig_p': exchange.origPort ?? null,
      'id.resp_h': exchange.respHost || null,
      'id.resp_p': exchange.respPort ?? null,
      trans_depth: exchange.depth,
      method: exchange.method,
      host: orUnset(exchange.host),
      uri: orUnset(exchange.uri),
      referrer: orUnset(exchange.referrer),
      version: orUnset(exchange.version),
      user_agent: orUnset(exchange.userAgent),
      request_body_len: exchange.requestBodyLength ?? 0,
      response_body_len: exchange.responseBodyLength ?? 0,
      status_code: exchange.status ?? null,
      status_msg: orUnset(exchange.statusMessage),
    });
  }
  return log;
}
