import os from 'node:os';
import { logsFailedError } from '../history/log-write-error.ts';
import type { Logger } from '../log.ts';
import type { PassOptions } from '../pipeline/scan.ts';
import type { BackendFactory, Session } from '../pipeline/session.ts';
import type { Summary } from '../pipeline/summary.ts';
import { FilePool } from '../pool/pool.ts';
import type { Settings } from '../settings.ts';
import { Progress } from './progress.ts';

export interface PassContext {
  session: Session;
  progress: Progress;
  passOptions: PassOptions;
  /** Resolves on the first stop signal, with its name. */
  stopRequested: Promise<NodeJS.Signals>;
}

/**
 * Shared frame of `scan`, `watch` and `demo`: open the session, wire progress
 * and the stop signals, run the pass, close everything, print the summary.
 * Returns the exit code: 0 only when no file failed, unless told that
 * failures are not the caller's exit status (watch: they are in fail.log).
 */
export async function runPass(
  settings: Settings,
  options: { logLevel?: string | undefined; settleMs?: number; logger?: Logger; exitOnFailures?: boolean; backend?: BackendFactory },
  pass: (context: PassContext) => Promise<Summary>,
): Promise<number> {
  // The pool's workers boot while this thread loads the session's modules (pino, yaml, the pipeline), which is why
  // they are imported here and not above: start-up is part of every pass's time.
  const pool = new FilePool(settings.jobs);
  let loaded;
  try {
    const [log, sessions, shutdown] = await Promise.all([import('../log.ts'), import('../pipeline/session.ts'), import('../pipeline/shutdown.ts')]);
    const logger = options.logger ?? log.createLogger(options.logLevel === undefined ? {} : { level: options.logLevel });
    loaded = { logger, openSession: sessions.openSession, onStopSignal: shutdown.onStopSignal };
  } catch (error) {
    await pool.close();
    throw error;
  }
  const { logger, openSession, onStopSignal } = loaded;
  const session = await openSession(settings, {
    logger,
    pool,
    ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    ...(options.backend === undefined ? {} : { backend: options.backend }),
  });
  const progress = new Progress();
  let resolveStop!: (signal: NodeJS.Signals) => void;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (resolveStop = resolve));
  const removeSignals = onStopSignal(
    (signal) => {
      progress.end();
      const dropped = session.processor.stopIntake();
      logger.info({ signal, running: session.processor.active, leftForNextRun: dropped }, 'stopping: no new files; waiting for running ones');
      resolveStop(signal);
    },
    (signal) => {
      logger.warn({ signal }, 'second stop signal: killing running commands and exiting; unfinished files are taken again next run');
      session.killRunning();
      process.exit(128 + (os.constants.signals[signal] ?? 2));
    },
  );
  let summary: Summary;
  const adopt = (count: number) => progress.addToTotal(count);
  session.processor.on('adopt', adopt);
  // Logs that cannot be written end the pass as a stop does: what is running finishes, nothing new starts.
  const logsFailed = () => resolveStop('SIGTERM');
  session.processor.on('logsFailed', logsFailed);
  try {
    summary = await pass({
      session,
      progress,
      stopRequested,
      passOptions: {
        onRecord: (record, s) => progress.update(record, s),
        onListed: (total, already) => {
          progress.setTotal(total);
          logger.info({ toAnalyse: total, alreadyProcessed: already }, 'listing done');
        },
      },
    });
  } finally {
    session.processor.off('adopt', adopt);
    session.processor.off('logsFailed', logsFailed);
    progress.end();
    try {
      // After a failed log write, closing the logs fails the same way: the first failure is the one to report.
      await session.close().catch((error: unknown) => {
        if (session.processor.logFailure === undefined) throw error;
      });
    } finally {
      // Only now: a stop signal while the logs and outputs are flushed is one more request to stop, not a kill.
      removeSignals();
    }
  }
  process.stdout.write(`${summary.format()}\n${session.skippedApps}`);
  const logFailure = session.processor.logFailure;
  if (logFailure !== undefined) throw logsFailedError(logFailure, session.processor.unrecorded);
  return summary.failed === 0 || options.exitOnFailures === false ? 0 : 1;
}
