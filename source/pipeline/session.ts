import path from 'node:path';
import type { ApiConfig } from '../api/app.ts';
import { loadApiConfig } from '../api/load.ts';
import { missingWorkdirs } from '../api/match.ts';
import { ConfigError } from '../errors.ts';
import { History, type FileHistory } from '../history/history.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { InstallLock } from '../pool/install.ts';
import { FilePool } from '../pool/pool.ts';
import { ReportLogs } from '../report/logs.ts';
import { DailyLog } from '../results/daily-log.ts';
import type { ResultsIndex } from '../results/index.ts';
import { LiveIndex } from '../results/live-index.ts';
import { keepPruning } from '../results/retention.ts';
import { assertAppsReady } from '../apps/check.ts';
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
    await assertWorkdirs(config);
    await assertAppsReady(config);
    runners = new Runners(settings.runner);
    await runners.start(config);
    const local = await History.open(settings.logsPath, { retryFailed: settings.retryFailed });
    const { history, installLock, resultCache } = options.backend?.({ config, history: local, logger }) ?? { history: local };
    const records = await DailyLog.open(path.join(settings.logsPath, 'processed.jsonl'));
    const reportLogs = await ReportLogs.open(settings.logsPath, { json: settings.jsonMode });
    const results = LiveIndex.open(settings.logsPath, logger);
    const retention = settings.retention === undefined ? undefined : keepPruning({ logsPath: settings.logsPath, apiLogs: settings.apiLogs, retentionSeconds: settings.retention, index: results.index, logger });
    return sessionOf({ settings, config, history, records, reportLogs, results, retention, pool, runners, logger, installLock, resultCache, settleMs: options.settleMs ?? 0 });
  } catch (error) {
    await runners?.close();
    await pool.close();
    throw error;
  }
}

function sessionOf(parts: ProcessorOptions & { records: DailyLog; runners: Runners; reportLogs: ReportLogs; results: LiveIndex; retention: { stop(): Promise<void> } | undefined }): Session {
  const { settings, config, history, records, reportLogs, results, retention, pool, runners, logger } = parts;
  const processor = new Processor(parts);
  processor.on('record', () => results.recordWritten());
  return {
    settings,
    config,
    history,
    processor,
    logger,
    ownFolders: [settings.logsPath, settings.apiLogs],
    results: results.index,
    killRunning: () => {
      pool.killRunning();
      runners.killNow();
    },
    async close() {
      await pool.close();
      await runners.close();
      await records.close();
      await reportLogs.close();
      await retention?.stop();
      results.close();
      await history.close();
    },
  };
}

/** Every app's working directory must exist before the first file: otherwise each of its files would fail alike. */
async function assertWorkdirs(config: ApiConfig): Promise<void> {
  const missing = await missingWorkdirs(config);
  const first = missing[0];
  if (!first) return;
  const list = missing.map(({ app, workdir }) => `  ${app.key} (line ${app.position.line}): ${workdir}`).join('\n');
  throw new ConfigError(
    'E_API_WORKDIR',
    `working director${missing.length === 1 ? 'y does' : 'ies do'} not exist:\n${list}\nCreate ${missing.length === 1 ? 'it' : 'them'} (mkdir -p) or set \`workdir\` in api.yml to a folder that exists.`,
    first.app.key === 'example' ? 'example.workdir' : `${first.app.mediaType}.${first.app.pattern}.workdir`,
    first.app.position,
  );
}
