import os from 'node:os';
import { ruleNames, type Alert } from './alert.ts';

/** local0: the facility a site routes to its SIEM without touching the system's own messages. */
const FACILITY = 16;
/** RFC 5424's example enterprise number: the SD-ID is ours, not IANA's. */
const SD_ID = 'broapt@32473';

/** Hostile names may hold anything: no control character reaches a line, and `"`, `\` and `]` are escaped (RFC 5424 §6.3.3). */
function paramValue(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '\ufffd').replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** The alert's fields as one SD element; names are RFC 5424 PARAM-NAMEs (no `.`-free rule, but no `=`, space, `]` or `"`). */
function structuredData(alert: Alert): string {
  const fields: Array<[string, string | number | null | undefined]> = [
    ['id', alert.id],
    ['fuid', alert.fuid],
    ['sha256', alert.sha256],
    ['md5', alert.md5],
    ['sha1', alert.sha1],
    ['verdict', alert.verdict],
    ['score', alert.score],
    ['mime', alert.mime],
    ['path', alert.path],
    ['protocol', alert.protocol],
    ['pcap', alert.pcap],
    ['parent_fuid', alert.parentFuid],
    ['uid', alert.uid ?? alert.conn_uids?.join(',')],
    ['orig_h', alert['id.orig_h']],
    ['resp_h', alert['id.resp_h']],
    ['sender', alert.sender],
    ['host', alert.host],
    ['uri', alert.uri],
    ['mailfrom', alert.mailfrom],
    ['rcptto', alert.rcptto?.join(',')],
    ['rules', ruleNames(alert).join(',')],
  ];
  const params = fields.filter(([, value]) => value !== undefined && value !== null && value !== '').map(([name, value]) => `${name}="${paramValue(String(value))}"`);
  return `[${SD_ID} ${params.join(' ')}]`;
}

/** One RFC 5424 message: crit for malicious, warning for suspicious, the fields as structured data. */
export function syslogLine(alert: Alert, hostname = os.hostname()): string {
  const severity = alert.verdict === 'malicious' ? 2 : 4;
  const host = hostname.replace(/[^\x21-\x7e]/g, '').slice(0, 255) || '-';
  const rules = ruleNames(alert);
  const message = `${alert.verdict ?? 'unknown'} file ${alert.fuid || '-'} ${alert.sha256 ?? ''}${rules.length > 0 ? `: ${rules.join(', ')}` : ''}`;
  return `<${FACILITY * 8 + severity}>1 ${new Date().toISOString()} ${host} broapt ${process.pid} alert ${structuredData(alert)} ${message.replace(/[\u0000-\u001f\u007f]/g, '\ufffd')}`;
}
