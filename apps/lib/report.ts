/**
 * The report every shipped app gives (apps/README.md): findings carry a
 * severity; the verdict and score follow from the worst one, so every app
 * judges alike.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Score of a finding by severity; a report's score is its worst finding's. */
export const SEVERITY_SCORE: Record<Severity, number> = { info: 0, low: 15, medium: 50, high: 80, critical: 100 };

export interface Finding {
  rule: string;
  description: string;
  severity: Severity;
}

export type Verdict = 'clean' | 'unknown' | 'suspicious' | 'malicious';

export interface Report {
  app: string;
  verdict: Verdict;
  score: number;
  findings: Finding[];
  details: Record<string, unknown>;
}

/** At 80 (a high finding: an AV or YARA detection) a file is malicious; from 30 (medium) suspicious. */
export function verdictOf(score: number): Verdict {
  return score >= 80 ? 'malicious' : score >= 30 ? 'suspicious' : 'clean';
}

export function makeReport(app: string, findings: Finding[], details: Record<string, unknown>): Report {
  const score = Math.max(0, ...findings.map((finding) => SEVERITY_SCORE[finding.severity]));
  return { app, verdict: verdictOf(score), score, findings, details };
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}
