/**
 * Office verdicts come from weighted signals rather than from any single
 * keyword: benign workbooks call Windows APIs and build strings with Chr(),
 * and malicious ones are defined by combinations (runs on open and starts a
 * program). Each signal is listed as a low finding so the analyst sees the
 * evidence; one combined finding carries the verdict.
 */
import type { Finding, Severity } from '../lib/report.ts';

export interface Signal {
  /** Rule name, `office.` prefixed. */
  rule: string;
  /** Contribution to the score: 6 and up is suspicious alone, 10 and up malicious alone. */
  weight: number;
  description: string;
  /** Signals that say the same thing two ways (a VBA Workbook_Open and an XLM Auto_Open): only the heaviest of a group counts. */
  group?: string;
}

export const SUSPICIOUS_SCORE = 6;
export const MALICIOUS_SCORE = 10;

export function scoreSeverity(score: number): Severity {
  return score >= MALICIOUS_SCORE ? 'high' : score >= SUSPICIOUS_SCORE ? 'medium' : 'low';
}

/** The signals as low findings and, when they add up, one `office.score.*` finding with the verdict's severity. */
export function signalFindings(signals: Signal[]): Finding[] {
  // A rule seen several times (one per module or object) counts once, at its heaviest.
  const byRule = new Map<string, Signal>();
  for (const signal of signals) {
    const known = byRule.get(signal.rule);
    if (known === undefined || signal.weight > known.weight) byRule.set(signal.rule, signal);
  }
  const unique = [...byRule.values()];
  const findings: Finding[] = unique.map((s) => ({ rule: s.rule, description: s.description, severity: s.weight > 0 ? 'low' : 'info' }));
  const groups = new Map<string, number>();
  let score = 0;
  for (const s of unique) {
    if (s.group === undefined) score += s.weight;
    else groups.set(s.group, Math.max(groups.get(s.group) ?? 0, s.weight));
  }
  for (const weight of groups.values()) score += weight;
  const severity = scoreSeverity(score);
  if (severity !== 'low') {
    const named = unique.filter((s) => s.weight > 0).sort((a, b) => b.weight - a.weight).map((s) => `${s.rule} (${s.weight})`);
    findings.push({ rule: severity === 'high' ? 'office.score.malicious' : 'office.score.suspicious', description: `score ${score} from ${named.join(', ')}`, severity });
  }
  return findings;
}
