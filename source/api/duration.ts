/** A number of seconds, or a number with a unit: `90s`, `5m`, `1h`, `500ms`, `30d`, `2w` (api.yml `timeout`, BROAPT_TIMEOUT, BROAPT_RETENTION, `results --since`). */
const DURATION = /^(\d+(?:\.\d*)?|\.\d+)\s*(ms|s|m|h|d|w)?$/i;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
// setTimeout fires at once for delays beyond a signed 32-bit count of milliseconds.
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Seconds; NaN for anything that is not a number or a duration. */
export function toSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  if (!match) return NaN;
  return Number(match[1]) * (UNIT_SECONDS[(match[2] ?? 's').toLowerCase()] ?? NaN);
}
