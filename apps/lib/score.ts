/**
 * Weighted scores: several weak techniques together make a file suspicious
 * or malicious, so analyzers sum their weights into one finding that names
 * each technique, instead of one finding per weak indicator.
 */
import type { Finding } from './report.ts';

export interface Weighted {
  id: string;
  weight: number;
  description: string;
}

/** Score at which the combined indicators make a file suspicious, and malicious. */
export const SUSPICIOUS_SCORE = 4;
export const MALICIOUS_SCORE = 8;

/** The summed score and its one finding (`rule`), or no finding when nothing matched. */
export function scoreFinding(rule: string, matched: Weighted[]): { score: number; finding?: Finding } {
  const score = matched.reduce((sum, i) => sum + i.weight, 0);
  if (score <= 0) return { score };
  const severity = score >= MALICIOUS_SCORE ? 'high' : score >= SUSPICIOUS_SCORE ? 'medium' : 'low';
  return { score, finding: { rule, description: `score ${score}: ${matched.map((i) => `${i.description} (${i.id} +${i.weight})`).join('; ')}`, severity } };
}
