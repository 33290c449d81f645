import type { FileRecord } from '../pipeline/record.ts';
import { printable } from '../pipeline/summary.ts';

/**
 * The console line of a suspicious or malicious file, printed as it is
 * recorded so a long-running mode (watch, run, watch-pcaps, a cluster worker,
 * the daemon) is not silent about what it finds; undefined for other files.
 */
export function detectionLine(record: FileRecord): string | undefined {
  if (record.status !== 'done' || (record.verdict !== 'suspicious' && record.verdict !== 'malicious')) return undefined;
  const rules = [...new Set((record.findings ?? []).map((finding) => finding.rule))];
  const parts = [`detection: ${record.verdict.toUpperCase()} ${record.score ?? 0}`, printable(record.path), `fuid=${record.fuid || '-'}`, `sha256=${record.sha256 ?? '-'}`];
  if (rules.length > 0) parts.push(printable(rules.join(',')));
  return parts.join(' ');
}
