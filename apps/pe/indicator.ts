/** One reason a PE looks malicious, with its weight in the file's score (apps/pe/score.ts). */
export interface Indicator {
  rule: string;
  description: string;
  weight: number;
}
