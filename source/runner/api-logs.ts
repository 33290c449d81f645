import { createHash } from 'node:crypto';
import path from 'node:path';
import type { AppMatch } from '../api/app.ts';
import type { Mime } from '../entry/entry.ts';
import type { Phase } from './result.ts';

/**
 * Log file of one command: `<apiLogs>/<folder>/<fuid>-<phase>.<index>`, the reference
 * BroAPT layout, so tools written against its API logs keep working. `folder` is
 * `example` or a MIME name, whose `/` nests (`application/pdf`).
 */
export function commandLogPath(apiLogs: string, folder: string, fuid: string, phase: Phase, index: number): string {
  // Names come from traffic-derived data: refuse anything that could climb out of apiLogs.
  const segments = folder.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new RangeError(`commandLogPath: folder ${JSON.stringify(folder)} must be "example" or a MIME name like "application/pdf".`);
  }
  if (fuid === '' || fuid.includes('/')) {
    throw new RangeError(`commandLogPath: fuid ${JSON.stringify(fuid)} must be a single file-name segment.`);
  }
  if (!Number.isInteger(index) || index < 1) {
    throw new RangeError(`commandLogPath: index ${index} must be a whole number of at least 1.`);
  }
  return path.join(apiLogs, ...segments, `${logStem(fuid)}-${phase}.${index}`);
}

/** Longest file name most file systems take (NAME_MAX). */
const NAME_MAX = 255;
/** Room for what follows the stem in the longest name made from it: `-scripts.NNNN.children`. */
const SUFFIX_ROOM = 32;
const HASH_CHARS = 16;

/**
 * The fuid as the start of a log name. A BroAPT name may carry a fuid of up to
 * ~240 characters, which with `-report.1.json` would pass NAME_MAX and fail
 * the command on its report path; such a fuid keeps its start (a prefix search
 * still finds it) and ends in a hash of the whole, so two long fuids never
 * share a log. Fuids are ASCII (`F\w+`, or derived), so characters are bytes.
 */
function logStem(fuid: string): string {
  const room = NAME_MAX - SUFFIX_ROOM;
  if (fuid.length <= room) return fuid;
  const hash = createHash('sha256').update(fuid).digest('hex').slice(0, HASH_CHARS);
  return `${fuid.slice(0, room - HASH_CHARS - 1)}~${hash}`;
}

/** The reference's log folder of a file: `example` for the default app, else the file's own MIME name. */
export function logFolderOf(match: Pick<AppMatch, 'reason'>, mime: Mime): string {
  return match.reason === 'default' ? 'example' : mime.name;
}
