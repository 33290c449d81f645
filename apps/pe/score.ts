/**
 * The verdict of the PE app: the weights of all indicators add up to one
 * score and one finding. Packing signals share a cap, so a UPX-packed benign
 * tool stays clean while packing plus capabilities does not.
 */
import type { Finding } from '../lib/report.ts';
import type { Indicator } from './indicator.ts';

/** Rules that only say "packed": together they weigh at most PACKING_CAP. */
const PACKING = /^pe\.(packer\.|section\.(high-entropy|unpacks-into|writable-code)|imports\.minimal|entry\.last-section|timestamp\.zero)/;
const PACKING_CAP = 3;
export const SUSPICIOUS_AT = 5;
export const MALICIOUS_AT = 12;

export function scoreOf(indicators: Indicator[]): number {
  const packing = indicators.filter((i) => PACKING.test(i.rule)).reduce((sum, i) => sum + i.weight, 0);
  const rest = indicators.filter((i) => !PACKING.test(i.rule)).reduce((sum, i) => sum + i.weight, 0);
  return Math.min(packing, PACKING_CAP) + rest;
}

/** Each indicator as a low (or info, when it weighs nothing) finding, plus the combined one when the score is high enough. */
export function scoreFindings(indicators: Indicator[]): Finding[] {
  const findings: Finding[] = indicators.map((i) => ({ rule: i.rule, description: i.description, severity: i.weight > 0 ? 'low' : 'info' }));
  const score = scoreOf(indicators);
  const named = indicators.filter((i) => i.weight !== 0).map((i) => `${i.rule.slice(3)} (${i.weight})`).join(', ');
  if (score >= MALICIOUS_AT) findings.push({ rule: 'pe.score.malicious', description: `score ${score}: ${named}`, severity: 'high' });
  else if (score >= SUSPICIOUS_AT) findings.push({ rule: 'pe.score.suspicious', description: `score ${score}: ${named}`, severity: 'medium' });
  return findings;
}
