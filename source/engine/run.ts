import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppendLog } from '../history/append-log.ts';
import { decodePathLine, encodePathLine } from '../history/path-line.ts';
import { followSummary, type PassOptions } from '../pipeline/scan.ts';
import type { Session } from '../pipeline/session.ts';
import type { Summary } from '../pipeline/summary.ts';
import { runExitHooks, runHooks, type Hook, type HookOutcome } from '../hooks/hook.ts';
import type { Engine } from './engine.ts';
import { pcapStem } from './pcap.ts';

export interface PcapRunOptions {
  /** PCAPs processed at once (BROAPT_CPU). */
  parallel: number;
  /** Resolves when intake must stop: PCAPs not started by then are left for the next run. */
  stopRequested: Promise<unknown>;
  /** Post-processing hooks run on each PCAP's log folder once it is extracted, and at the end (exit hooks). */
  hooks: readonly Hook[];
  onRecord?: PassOptions['onRecord'];
}

export interface PcapRunResult {
  summary: Summary;
  /** PCAPs the engine failed on, with why; they are not recorded, so the next run tries them again. */
  failed: Array<{ pcap: string; error: unknown }>;
  /** PCAPs skipped because processed_pcaps.log lists them. */
  alreadyProcessed: number;
  /** Hooks that failed; each failure is isolated and the run goes on. */
  hookFailures: HookOutcome[];
}

/**
 * Runs the engine on each PCAP not in `<logs>/processed_pcaps.log`, queueing
 * every extracted file for analysis the moment it is in the dump folder. A PCAP
 * is recorded only once all of its files are in the history: after a stop or a
 * crash, the next run extracts it again, and its stable file names let the
 * history skip what was analysed already.
 */
export async function runPcaps(session: Session, engine: Engine, pcaps: string[], options: PcapRunOptions): Promise<PcapRunResult> {
  const { settings, processor, history, logger } = session;
  const logFile = path.join(settings.logsPath, 'processed_pcaps.log');
  const done = new Set((await readFile(logFile, 'utf8').catch(() => '')).split('\n').map(decodePathLine));
  const todo = pcaps.filter((pcap) => !done.has(pcap));
  const processedLog = await AppendLog.open(logFile);
  const { summary, detach } = followSummary(processor, options.onRecord);
  const result: PcapRunResult = { summary, failed: [], alreadyProcessed: pcaps.length - todo.length, hookFailures: [] };
  let stopping = false;
  void options.stopRequested.then(() => (stopping = true));
  const hookContext = { dumpPath: settings.dumpPath };
  const noteHooks = (outcomes: HookOutcome[]) => {
    for (const outcome of outcomes) {
      if (outcome.error === undefined) continue;
      logger.error({ hook: outcome.hook, err: outcome.error }, outcome.error.message);
      result.hookFailures.push(outcome);
    }
  };

  const one = async (pcap: string) => {
    const outDir = path.join(settings.logsPath, `${pcapStem(pcap)}-${randomUUID()}`);
    await mkdir(outDir, { recursive: true });
    const files: string[] = [];
    const analysed: Array<Promise<unknown>> = [];
    try {
      await engine.extract(pcap, outDir, settings.dumpPath, (file) => {
        files.push(file.path);
        analysed.push(processor.process(file.path));
      });
    } catch (error) {
      logger.error({ pcap, err: error }, 'extraction failed; the PCAP is taken again next run');
      result.failed.push({ pcap, error });
      await Promise.all(analysed);
      return;
    }
    // Hooks read the logs while the files are analysed: they need the files, not their reports.
    const [outcomes] = await Promise.all([runHooks(options.hooks, outDir, hookContext), Promise.all(analysed)]);
    noteHooks(outcomes);
    if (files.every((file) => history.has(file))) {
      processedLog.append(encodePathLine(pcap));
      logger.info({ pcap, files: files.length, logs: outDir }, 'PCAP processed');
    }
  };

  const queue = [...todo];
  const lane = async () => {
    for (let pcap = queue.shift(); pcap !== undefined && !stopping; pcap = queue.shift()) await one(pcap);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.parallel, todo.length) }, lane));
    await processor.idle();
    noteHooks(await runExitHooks(options.hooks, hookContext));
  } finally {
    detach();
    await processedLog.close();
  }
  return result;
}
