import type { Phase } from '../runner/result.ts';
import { worstVerdict, type AppReport, type Finding, type Verdict } from './report.ts';

/** One command's report within a file's record. */
export interface CommandReport extends AppReport {
  /** The report's own `app` name, else the api.yml key that ran. */
  app: string;
  phase: Phase;
  index: number;
}

export interface TaggedFinding extends Finding {
  /** Which app found it. */
  app: string;
}

/** What a file's reports add up to. */
export interface Merged {
  /** The worst verdict of all reports; `unknown` when no command gave one. */
  verdict: Verdict;
  score: number;
  findings: TaggedFinding[];
  sha256?: string;
  realMime?: string;
}

/** A report with its command, tagged with the app that gave it. */
export function commandReport(appKey: string, phase: Phase, index: number, report: AppReport): CommandReport {
  return { ...report, app: report.app ?? appKey, phase, index };
}

const SHA256 = /^[0-9a-f]{64}$/;
const MIME = /^[a-z0-9][\w.+-]*\/[\w.+-]+$/i;

/** Worst verdict, highest score, every finding; the file's sha256 and real MIME if an app reported them. */
export function mergeReports(reports: readonly CommandReport[]): Merged {
  const merged: Merged = { verdict: reports.length === 0 ? 'unknown' : 'clean', score: 0, findings: [] };
  for (const report of reports) {
    merged.verdict = worstVerdict(merged.verdict, report.verdict);
    merged.score = Math.max(merged.score, report.score);
    for (const finding of report.findings) merged.findings.push({ ...finding, app: report.app });
    const { sha256, realMime } = report.details;
    if (merged.sha256 === undefined && typeof sha256 === 'string' && SHA256.test(sha256.toLowerCase())) merged.sha256 = sha256.toLowerCase();
    if (merged.realMime === undefined && typeof realMime === 'string' && MIME.test(realMime)) merged.realMime = realMime.toLowerCase();
  }
  return merged;
}
