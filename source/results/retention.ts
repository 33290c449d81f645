import { lstat, readdir, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { BROAPT_LOG, REPORTS_LOG } from '../report/logs.ts';
import type { ResultsIndex } from './index.ts';
import { rotatedFiles, untilMidnight } from './rotation.ts';

/** The daily logs retention drops whole days of. dump.log and fail.log are not among them: the history says what was analysed, forever. */
const DAILY_LOGS = [REPORTS_LOG, 'processed.jsonl', BROAPT_LOG];

export interface Pruned {
  /** Rotated days of the record logs removed. */
  days: string[];
  /** API log files and folders of unpacked members removed; undefined when the API logs folder holds the logs folder and was left alone. */
  apiLogs: number | undefined;
  /** Rows dropped from the results index. */
  rows: number;
}

/** The first instant after local day `day` (`YYYY-MM-DD`). */
function endOf(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(year, month - 1, date + 1).getTime();
}

/**
 * Removes what is older than `cutoff` from the API logs folder: command logs
 * and reports by their own time, and each folder of unpacked members
 * (`*.children`) whole, by the time it was filled (members keep their
 * archive's times). Links are removed, never followed.
 */
async function pruneApiLogs(dir: string, cutoff: number): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let removed = 0;
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.endsWith('.children')) {
      removed += await pruneApiLogs(file, cutoff);
      continue;
    }
    const stat = await lstat(file).catch(() => undefined);
    if (stat === undefined || stat.mtimeMs >= cutoff) continue;
    if (entry.isDirectory()) await rm(file, { recursive: true, force: true });
    else await unlink(file).catch(() => {});
    removed++;
  }
  return removed;
}

/**
 * BROAPT_RETENTION: drops the records, API logs and unpacked members older
 * than `retentionSeconds` before `now`. Records go by whole rotated days (a
 * day goes once all of it is past the cutoff) and from the results index by
 * time; dump.log and fail.log stay, so no file is analysed twice.
 */
export async function pruneExpired(options: { logsPath: string; apiLogs: string; retentionSeconds: number; now: Date; index?: ResultsIndex }): Promise<Pruned> {
  const cutoff = options.now.getTime() - options.retentionSeconds * 1000;
  const days: string[] = [];
  for (const log of DAILY_LOGS) {
    for (const { file, day } of rotatedFiles(path.join(options.logsPath, log))) {
      if (endOf(day) > cutoff) continue;
      await unlink(file).catch(() => {});
      days.push(path.basename(file));
    }
  }
  // An API logs folder that holds the logs folder (BROAPT_API_LOGS=BROAPT_LOGS_PATH) would put the history in reach.
  const relative = path.relative(path.resolve(options.apiLogs), path.resolve(options.logsPath));
  const holdsLogs = relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  const apiLogs = holdsLogs ? undefined : await pruneApiLogs(options.apiLogs, cutoff);
  const rows = options.index?.pruneBefore(cutoff / 1000) ?? 0;
  return { days, apiLogs, rows };
}

/**
 * Prunes once now and then every night, a minute past midnight (after the
 * daily logs rotated). A failure is logged and tried again the next night.
 */
export function keepPruning(options: { logsPath: string; apiLogs: string; retentionSeconds: number; index: ResultsIndex; logger: Logger }): { stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const prune = () => {
    running = pruneExpired({ ...options, now: new Date() })
      .then((pruned) => {
        if (pruned.days.length > 0 || pruned.apiLogs || pruned.rows > 0) options.logger.info(pruned, 'retention: removed what is older than BROAPT_RETENTION');
        if (pruned.apiLogs === undefined) options.logger.warn({ apiLogs: options.apiLogs }, 'retention: the API logs folder holds the logs folder; its files are kept: give BROAPT_API_LOGS a folder of its own');
      })
      .catch((error: unknown) => options.logger.warn({ err: error }, 'retention: pruning failed; tried again tomorrow'))
      .finally(() => {
        if (!stopped) timer = setTimeout(prune, untilMidnight(new Date()) + 60_000).unref();
      });
  };
  prune();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
