import type { FileRecord } from '../../source/pipeline/record.ts';
import type { Verdict } from '../../source/report/report.ts';

const VERDICT_CYCLE: Verdict[] = ['clean', 'clean', 'clean', 'unknown', 'clean', 'suspicious', 'clean', 'malicious'];
const MIMES = ['application/pdf', 'application/zip', 'text/html', 'text/plain', 'application/x-dosexec'];

/**
 * A done file's record as the pipeline writes it, numbered `i`: verdicts,
 * MIME types and times vary with `i`; `fields` overrides any of them.
 */
export function fileRecord(i: number, fields: Partial<FileRecord> = {}): FileRecord {
  const verdict = VERDICT_CYCLE[i % VERDICT_CYCLE.length]!;
  const mime = MIMES[i % MIMES.length]!;
  const flagged = verdict === 'malicious' || verdict === 'suspicious';
  return {
    time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    path: `/dump/${mime}/HTTP-F${String(i).padStart(8, '0')}.capture.${mime.replace('/', '.')}.bin`,
    fuid: `F${String(i).padStart(8, '0')}`,
    protocol: 'HTTP',
    pcap: 'capture',
    mime,
    app: mime,
    matchedBy: 'exact',
    status: 'done',
    sha256: (i % 997).toString(16).padStart(64, '0'),
    verdict,
    score: flagged ? (verdict === 'malicious' ? 90 : 50) : 0,
    findings: flagged ? [{ app: 'scan', rule: verdict === 'malicious' ? 'eicar' : 'odd-header', description: 'synthetic', severity: verdict === 'malicious' ? 'high' : 'medium' }] : [],
    reports: [{ app: 'scan', phase: 'scripts', index: 0, verdict, score: 0, findings: [], details: { size: i } }],
    commands: [],
    durationMs: 3,
    ...fields,
  };
}
