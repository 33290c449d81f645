import path from 'node:path';
import type { ApiConfig } from '../api/app.ts';
import { loadApiConfig } from '../api/load.ts';
import { History, type FileHistory } from '../history/history.ts';
import { assertLogsWritable } from '../history/logs-writable.ts';
import { silentLogger, type Logger } from '../log.ts';
import { OutputStage } from '../outputs/stage.ts';
import type { InstallLock } from '../pool/install.ts';
import { FilePool } from '../pool/pool.ts';
import { ReportLogs } from '../report/logs.ts';
import { gateApps } from '../apps/gate.ts';
import { reasonsOf, skippedAppsNote } from '../apps/problems.ts';
import { DailyLog } from '../results/daily-log.ts';
import type { ResultsIndex } from '../results/index.ts';
import { LiveIndex } from '../results/live-index.ts';
import { keepPruning } from '../results/retention.ts';
import type { Settings } from '../settings.ts';
import { Runners } from '../runner/select.ts';
import { Processor, type ProcessorOptions } from './processor.ts';
import type { ResultCache } from './result-cache.ts';

export interface Session {
  settings: Settings;
  config: ApiConfig;
  history: FileHistory;
  processor: Processor;
  logger: Logger;
  /** Under `--broken-apps skip`: the apps skipped and why, for the summary; empty otherwise. */
  skippedApps: string;
  /** Where records go after they are written: their delivery counts are in `outputs.stats`. */
  outputs: OutputStage;
  /** Our own output folders; when they sit inside the dump folder they are not input. */
  ownFolders: string[];
  /** The index of the records (`broapt results`, the dashboard's Results page), kept up to date as they are written. */
  results: ResultsIndex;
  /** Flush history and records, stop the pool. Call once, after the processor is idle. */
  close(): Promise<void>;
  /** For an exit that cannot wait: kill every command still running. */
  killRunning(): void;
}

/** What cluster mode puts behind the embedded default's interfaces (source/redis/worker.ts). */
export interface SessionBackend {
  history: FileHistory;
  installLock?: InstallLock;
  resultCache?: ResultCache;
}

/** Builds the backend from the session's parts; called once api.yml and the local history are open. */
export type BackendFactory = (parts: { config: ApiConfig; history: History; logger: Logger }) => SessionBackend;

/**
 * Everything one run needs, opened in the order that fails fastest on a user
 * mistake (api.yml first). `pool`: one the caller started early; the session
 * owns it from here and closes it, also when opening fails.
 */
export async function openSession(settings: Settings, options: { logger?: Logger; settleMs?: number; backend?: BackendFactory; pool?: FilePool } = {}): Promise<Session> {
  const logger = options.logger ?? silentLogger();
  // Started first: its workers load their modules while this thread reads api.yml and the history.
  const pool = options.pool ?? new FilePool(settings.jobs);
  let runners: Runners | undefined;
  try {
    const config = await loadApiConfig(settings.apiRoot, { defaultTimeoutMs: settings.timeout * 1000 });
    runners = new Runners(settings.runner);
    const broken = await gateApps(config, runners, settings.brokenApps);
    const brokenApps = reasonsOf(broken);
    // watch and daemon run for days: say at start, not only in a summary that comes at the end.
    if (brokenApps.size > 0) logger.warn({ apps: [...brokenApps.keys()].map((app) => app.key) }, 'broken apps skipped (--broken-apps skip): their files fail; `broapt apps check` says why');
    await runners.start(config, new Set(brokenApps.keys()));
    for (const folder of new Set([settings.logsPath, settings.apiLogs])) await assertLogsWritable(folder);
    const local = await History.open(settings.logsPath, { retryFailed: settings.retryFailed });
    const { history, installLock, resultCache } = options.backend?.({ config, history: local, logger }) ?? { history: local };
    const records = await DailyLog.open(path.join(settings.logsPath, 'processed.jsonl'));
    const reportLogs = await ReportLogs.open(settings.logsPath, { json: settings.jsonMode });
    const outputs = await OutputStage.open(settings.outputs, { logsPath: settings.logsPath, logger, backoffCapMs: settings.interval * 1000 });
    const results = LiveIndex.open(settings.logsPath, logger);
    const retention = settings.retention === undefined ? undefined : keepPruning({ logsPath: settings.logsPath, apiLogs: settings.apiLogs, retentionSeconds: settings.retention, index: results.index, logger });
    const session = sessionOf({ settings, config, history, records, reportLogs, outputs, results, retention, pool, runners, logger, installLock, resultCache, brokenApps, settleMs: options.settleMs ?? 0 }, skippedAppsNote(broken));
    await session.processor.givenPaths.add(settings.dumpPath);
    return session;
  } catch (error) {
    await runners?.close();
    await pool.close();
    throw error;
  }
}

function sessionOf(
  parts: ProcessorOptions & { records: DailyLog; runners: Runners; reportLogs: ReportLogs; outputs: OutputStage; results: LiveIndex; retention: { stop(): Promise<void> } | undefined },
  skippedApps: string,
): Session {
  const { settings, config, history, records, reportLogs, outputs, results, retention, pool, runners, logger } = parts;
  const processor = new Processor(parts);
  processor.on('record', () => results.recordWritten());
  return {
    settings,
    config,
    history,
    processor,
    logger,
    skippedApps,
    outputs,
    ownFolders: [settings.logsPath, settings.apiLogs],
    results: results.index,
    killRunning: () => {
      pool.killRunning();
      runners.killNow();
    },
    async close() {
      await pool.close();
      await runners.close();
      await outputs.close();
      await retention?.stop();
      // Every log is closed even when one cannot be: a full disk fails them one after another.
      const closed = await Promise.allSettled([records.close(), reportLogs.close(), history.close()]);
      results.close();
      const failed = closed.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
