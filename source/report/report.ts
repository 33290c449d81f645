/**
 * The report an app's command may give (apps/README.md): a JSON object
 * `{verdict, score, findings, details}` written to `$BROAPT_REPORT`, or printed
 * as its last line of output.
 */

/** Worst last: a file's verdict is the worst of its reports'. */
export const VERDICTS = ['clean', 'unknown', 'suspicious', 'malicious'] as const;
export type Verdict = (typeof VERDICTS)[number];

export interface Finding {
  rule: string;
  description: string;
  severity: string;
}

/** One command's report, as read and normalised. */
export interface AppReport {
  /** The app's own name for itself (`scan`, `pdf`), when it gives one: tags its findings. */
  app?: string;
  verdict: Verdict;
  /** 0-100. */
  score: number;
  findings: Finding[];
  details: Record<string, unknown>;
}

export function worstVerdict(a: Verdict, b: Verdict): Verdict {
  return VERDICTS.indexOf(a) >= VERDICTS.indexOf(b) ? a : b;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : value === undefined || value === null ? fallback : JSON.stringify(value);
}

/**
 * The report an app gave, or undefined when `value` is no JSON object. Apps are
 * third-party code: a verdict broapt does not know becomes `unknown` (never
 * dropped, never `clean`), a score is clamped to 0-100, and a finding that is a
 * bare string becomes its rule.
 */
export function normalizeReport(value: unknown): AppReport | undefined {
  if (!isObject(value)) return undefined;
  const verdict = typeof value.verdict === 'string' && (VERDICTS as readonly string[]).includes(value.verdict.toLowerCase()) ? (value.verdict.toLowerCase() as Verdict) : 'unknown';
  const score = typeof value.score === 'number' && Number.isFinite(value.score) ? Math.min(100, Math.max(0, value.score)) : 0;
  const findings = (Array.isArray(value.findings) ? value.findings : []).map((finding): Finding =>
    isObject(finding)
      ? { rule: text(finding.rule, 'unnamed'), description: text(finding.description, ''), severity: text(finding.severity, 'info') }
      : { rule: text(finding, 'unnamed'), description: '', severity: 'info' },
  );
  const report: AppReport = { verdict, score, findings, details: isObject(value.details) ? value.details : {} };
  if (typeof value.app === 'string' && value.app !== '') report.app = value.app;
  return report;
}
