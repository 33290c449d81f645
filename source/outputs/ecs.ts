import { isIP } from 'node:net';
import path from 'node:path';
import { ruleNames, type Alert } from './alert.ts';

/** The ECS version the documents follow. */
const ECS_VERSION = '8.11.0';

const defined = <T extends Record<string, unknown>>(object: T): Partial<T> =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))) as Partial<T>;

/**
 * A record as an Elastic Common Schema document: an alert (`event.kind:
 * alert`, with `threat.indicator`) when its verdict alerts, otherwise an
 * event. Fields ECS has no place for are under `broapt.*`.
 */
export function ecsDocument(alert: Alert): Record<string, unknown> {
  const hash = defined({ md5: alert.md5, sha1: alert.sha1, sha256: alert.sha256 });
  const rules = ruleNames(alert);
  const ips = [alert['id.orig_h'], alert['id.resp_h'], alert.sender].filter((ip): ip is string => ip !== undefined && isIP(ip) !== 0);
  const hosts = [alert.host, ...ips].filter((host): host is string => host !== undefined && host !== '');
  return defined({
    '@timestamp': alert.time,
    ecs: { version: ECS_VERSION },
    event: defined({
      kind: alert.alerting ? 'alert' : 'event',
      category: alert.alerting ? ['malware', 'file'] : ['file'],
      type: ['info'],
      outcome: alert.status === 'done' ? 'success' : 'failure',
      module: 'broapt',
      dataset: 'broapt.file',
      id: alert.id,
      risk_score: alert.score ?? undefined,
      duration: alert.durationMs * 1_000_000,
      reason: alert.reason,
    }),
    file: defined({ path: alert.path, name: path.basename(alert.path), mime_type: alert.realMime ?? (alert.mime || undefined), hash: Object.keys(hash).length > 0 ? hash : undefined }),
    threat: alert.alerting
      ? { indicator: defined({ type: 'file', provider: 'broapt', description: rules.join(', ') || undefined, file: Object.keys(hash).length > 0 ? { hash } : undefined }) }
      : undefined,
    related: defined({ hosts: [...new Set(hosts)], ip: [...new Set(ips)], hash: Object.values(hash) }),
    source: alert['id.orig_h'] === undefined ? undefined : { ip: alert['id.orig_h'] },
    destination: alert['id.resp_h'] === undefined ? undefined : { ip: alert['id.resp_h'] },
    url: alert.host === undefined && alert.uri === undefined ? undefined : defined({ domain: alert.host, path: alert.uri }),
    email:
      alert.mailfrom === undefined && alert.rcptto === undefined
        ? undefined
        : defined({ from: alert.mailfrom === undefined ? undefined : { address: [alert.mailfrom] }, to: alert.rcptto === undefined ? undefined : { address: alert.rcptto } }),
    network: alert.protocol === null ? undefined : { protocol: alert.protocol.toLowerCase() },
    tags: rules,
    broapt: defined({
      fuid: alert.fuid,
      parent_fuid: alert.parentFuid,
      archive_path: alert.archivePath,
      pcap: alert.pcap,
      app: alert.app,
      status: alert.status,
      verdict: alert.verdict,
      score: alert.score,
      findings: alert.findings,
      uid: alert.uid,
      conn_uids: alert.conn_uids,
      sender: alert.sender,
    }),
  });
}
