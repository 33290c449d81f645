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
  return path.join(apiLogs, ...segments, `${fuid}-${phase}.${index}`);
}

/** The reference's log folder of a file: `example` for the default app, else the file's own MIME name. */
export function logFolderOf(match: Pick<AppMatch, 'reason'>, mime: Mime): string {
  return match.reason === 'default' ? 'example' : mime.name;
}
