import type { FileRecord } from '../pipeline/record.ts';
import { VERDICTS, type Verdict } from '../report/report.ts';
import type { TaggedFinding } from '../report/merge.ts';
import type { AlertMinimum } from './settings.ts';

/** What the capture's Zeek logs say about the connection that carried a file (source/outputs/zeek-context.ts). */
export interface ConnectionContext {
  /** The connections the file crossed (files.log's conn_uids, or its uid from Zeek 5.1 on). */
  conn_uids?: string[];
  uid?: string;
  'id.orig_h'?: string;
  'id.resp_h'?: string;
  /** The host that sent the file: the remote end of a download, the local one of an upload. */
  sender?: string;
  host?: string;
  uri?: string;
  mailfrom?: string;
  rcptto?: string[];
}

export interface Hashes {
  md5?: string;
  sha1?: string;
  sha256?: string;
}

/**
 * One file's record as the outputs see it: the webhook's body, the syslog
 * line's fields, the ECS document's source. `id` stays the same whenever the
 * same file is delivered again, so a receiver can drop a repeat.
 */
export interface Alert extends ConnectionContext, Hashes {
  id: string;
  /** True when the verdict is at or above BROAPT_ALERT_MIN; the ECS outputs also carry the others. */
  alerting: boolean;
  fuid: string;
  path: string;
  mime: string;
  realMime?: string;
  app: string;
  status: FileRecord['status'];
  reason?: string;
  verdict: Verdict | null;
  score: number | null;
  findings: TaggedFinding[];
  parentFuid: string | null;
  archivePath?: string;
  protocol: string | null;
  pcap: string | null;
  time: string;
  durationMs: number;
}

export function isAlerting(record: FileRecord, minimum: AlertMinimum): boolean {
  return record.status === 'done' && record.verdict !== undefined && VERDICTS.indexOf(record.verdict) >= VERDICTS.indexOf(minimum);
}

/** fuid and content hash name the file; a record's time tells two analyses of it apart (retry-failed). */
function alertId(record: FileRecord, alerting: boolean): string {
  const base = `${record.fuid}:${record.sha256 ?? ''}`;
  return alerting ? base : `${base}:${record.time}`;
}

export function alertOf(record: FileRecord, alerting: boolean, hashes: Hashes, context: ConnectionContext): Alert {
  return {
    id: alertId(record, alerting),
    alerting,
    fuid: record.fuid,
    ...hashes,
    ...(record.sha256 === undefined ? {} : { sha256: record.sha256 }),
    path: record.path,
    mime: record.mime,
    ...(record.realMime === undefined ? {} : { realMime: record.realMime }),
    app: record.app,
    status: record.status,
    ...(record.reason === undefined ? {} : { reason: record.reason }),
    verdict: record.verdict ?? null,
    score: record.score ?? null,
    findings: record.findings ?? [],
    parentFuid: record.parentFuid ?? null,
    ...(record.archivePath === undefined ? {} : { archivePath: record.archivePath }),
    protocol: record.protocol,
    pcap: record.pcap,
    time: record.time,
    durationMs: record.durationMs,
    ...context,
  };
}

/** The findings' rule names, once each: ECS tags, syslog's rules, Intel's description. */
export function ruleNames(alert: Alert): string[] {
  return [...new Set(alert.findings.map((finding) => finding.rule))];
}

/** The alert as receivers get it: without the stage's own bookkeeping. */
export function publicAlert(alert: Alert): Omit<Alert, 'alerting'> {
  const { alerting: _alerting, ...rest } = alert;
  return rest;
}
