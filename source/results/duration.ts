import { toSeconds } from '../api/duration.ts';
import { UsageError } from '../errors.ts';

/**
 * `30d`, `2h`, `90m`: seconds, or undefined when `text` is no duration. The
 * unit is required here: a bare `30` kept for 30 seconds (retention) or read
 * as a year (`--since`) would surprise.
 */
export function durationSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  const seconds = /[a-z]$/i.test(trimmed) ? toSeconds(trimmed) : NaN;
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** `--since`: a duration back from `now` (`2h`, `1d`) or an ISO-8601 time; seconds since the epoch. */
export function sinceTime(text: string, now: Date, where = '--since'): number {
  const back = durationSeconds(text);
  if (back !== undefined) return now.getTime() / 1000 - back;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(at)) return at / 1000;
  throw new UsageError(`${where} ${JSON.stringify(text)} is neither a duration (30s, 90m, 2h, 1d, 2w) nor an ISO-8601 time (2026-03-18 or 2026-03-18T10:00:00Z).`, 'E_SINCE');
}

/** BROAPT_RETENTION: how long records and API logs are kept, in seconds; undefined keeps everything. */
export function retentionSeconds(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const seconds = durationSeconds(text);
  if (seconds === undefined || seconds <= 0) {
    throw new UsageError(`BROAPT_RETENTION=${JSON.stringify(text)} is not a duration: write how long to keep records, like 30d, 12h or 2w; unset it to keep everything.`, 'E_RETENTION');
  }
  return seconds;
}
