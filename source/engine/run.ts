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
  /** Post-processing hooks run on each PCAP's log folder once it is extracted, and at the end (exit hooks). */
  hooks: readonly Hook[];
  onRecord?: PassOptions['onRecord'];
  /**
   * Asked before each capture: extraction outrunning analysis until the dump
   * folder's disk fills is what hurts most, so a capture waits while the disk
   * is above the high watermark (BROAPT_DISK_HIGH/LOW, source/engine/disk-watermark.ts).
   */
  watermark?: { ready(stopped: () => boolean): Promise<boolean> };
  /**
   * Cluster mode's core side: each extracted file goes to this (the Redis work
   * queue) instead of this process's pool, and a capture is recorded once its
   * files are handed off and its hooks ran; the app workers analyse them.
   */
  handOff?: (file: string) => Promise<void>;
}

export interface PcapRunResult {
  summary: Summary;
  /** PCAPs the engine failed on, with why; they are not recorded, so the next run tries them again. */
  failed: Array<{ pcap: string; error: unknown }>;
  /** PCAPs skipped because processed_pcaps.log lists them. */
  alreadyProcessed: number;
  /** PCAPs queued but not started when intake stopped; the next run takes them. */
  leftForNextRun: number;
  /** Hooks that failed; each failure is isolated and the run goes on. */
  hookFailures: HookOutcome[];
}

/**
 * The logs loop: runs the engine on each PCAP it is given that is not in
 * `<logs>/processed_pcaps.log`, `parallel` at once, queueing every extracted
 * file for analysis the moment it is in the dump folder (the dump loop). A PCAP
 * is recorded only once all of its files are in the history: after a stop or a
 * crash, the next run extracts it again, and its stable file names let the
 * history skip what was analysed already.
 */
export class PcapQueue {
  readonly #session: Session;
  readonly #engine: Engine;
  readonly #options: PcapRunOptions;
  readonly #done: Set<string>;
  readonly #seen = new Set<string>();
  readonly #waiting: string[] = [];
  readonly #processedLog: AppendLog;
  readonly #detach: () => void;
  readonly #result: PcapRunResult;
  #running = 0;
  /** Captures extracted whose files are still being analysed: the next capture does not wait for them. */
  readonly #settling = new Set<Promise<void>>();
  #closed = false;
  /** Intake stopped by a signal: captures not yet started, or waiting on the disk, are left for the next run. */
  #dropped = false;
  #wake: (() => void) | undefined;

  private constructor(session: Session, engine: Engine, options: PcapRunOptions, done: Set<string>, processedLog: AppendLog) {
    this.#session = session;
    this.#engine = engine;
    this.#options = options;
    this.#done = done;
    this.#processedLog = processedLog;
    const { summary, detach } = followSummary(session.processor, options.onRecord);
    this.#detach = detach;
    this.#result = { summary, failed: [], alreadyProcessed: 0, leftForNextRun: 0, hookFailures: [] };
  }

  static async open(session: Session, engine: Engine, options: PcapRunOptions): Promise<PcapQueue> {
    const logFile = path.join(session.settings.logsPath, 'processed_pcaps.log');
    const done = new Set<string>();
    // file.log is the reference's list of processed captures, one path per line: a deployment that moves over skips them too.
    for (const list of [logFile, path.join(session.settings.logsPath, 'file.log')]) {
      for (const line of (await readFile(list, 'utf8').catch(() => '')).split('\n')) {
        const pcap = decodePathLine(line);
        if (pcap !== undefined) done.add(pcap);
      }
    }
    return new PcapQueue(session, engine, options, done, await AppendLog.open(logFile));
  }

  /** Queues a PCAP; false when it was processed in an earlier run, is already queued, or intake is closed. */
  add(pcap: string): boolean {
    if (this.#closed || this.#seen.has(pcap)) return false;
    this.#seen.add(pcap);
    if (this.#done.has(pcap)) {
      this.#result.alreadyProcessed++;
      return false;
    }
    this.#waiting.push(pcap);
    this.#pump();
    return true;
  }

  /** No more PCAPs: the queued ones still run (`drop` false) or are left for the next run (`drop` true). */
  close(drop = false): void {
    this.#closed = true;
    this.#dropped ||= drop;
    if (drop) this.#result.leftForNextRun += this.#waiting.splice(0).length;
    this.#wake?.();
  }

  /** After `close`: resolves once every started PCAP and its files are done, exit hooks run, logs flushed. */
  async finished(): Promise<PcapRunResult> {
    while (!this.#closed || this.#running > 0 || this.#waiting.length > 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    try {
      await Promise.all(this.#settling);
      await this.#session.processor.idle();
      this.#noteHooks(await runExitHooks(this.#options.hooks, { dumpPath: this.#session.settings.dumpPath }));
    } finally {
      this.#detach();
      await this.#processedLog.close();
    }
    return this.#result;
  }

  #pump(): void {
    while (this.#running < this.#options.parallel && this.#waiting.length > 0) {
      const pcap = this.#waiting.shift()!;
      this.#running++;
      void this.#one(pcap).finally(() => {
        this.#running--;
        this.#pump();
        this.#wake?.();
      });
    }
  }

  #noteHooks(outcomes: HookOutcome[]): void {
    for (const outcome of outcomes) {
      if (outcome.error === undefined) continue;
      this.#session.logger.error({ hook: outcome.hook, err: outcome.error }, outcome.error.message);
      this.#result.hookFailures.push(outcome);
    }
  }

  async #one(pcap: string): Promise<void> {
    if (this.#options.watermark !== undefined && !(await this.#options.watermark.ready(() => this.#dropped))) {
      this.#result.leftForNextRun++;
      return;
    }
    const { settings, processor, logger } = this.#session;
    const outDir = path.join(settings.logsPath, `${pcapStem(pcap)}-${randomUUID()}`);
    const files: string[] = [];
    const analysed: Array<Promise<unknown>> = [];
    try {
      await mkdir(outDir, { recursive: true });
      await this.#engine.extract(pcap, {
        outDir,
        dumpDir: settings.dumpPath,
        logger,
        onFile: (file) => {
          files.push(file.path);
          analysed.push(this.#options.handOff ? this.#options.handOff(file.path) : processor.process(file.path));
        },
      });
    } catch (error) {
      logger.error({ pcap, err: error }, 'extraction failed; the PCAP is taken again next run');
      this.#result.failed.push({ pcap, error });
      await Promise.allSettled(analysed);
      return;
    }
    // The lane moves on to the next capture while this one's files are analysed and its hooks run.
    const settled = this.#settle(pcap, outDir, files, analysed).finally(() => this.#settling.delete(settled));
    this.#settling.add(settled);
  }

  async #settle(pcap: string, outDir: string, files: string[], analysed: Array<Promise<unknown>>): Promise<void> {
    const { settings, history, logger } = this.#session;
    // Hooks read the logs while the files are analysed: they need the files, not their reports.
    const [outcomes, handedOff] = await Promise.all([
      runHooks(this.#options.hooks, outDir, { dumpPath: settings.dumpPath }),
      Promise.all(analysed).then(
        () => true,
        (error: unknown) => (logger.error({ pcap, err: error }, 'handing the files off failed'), false),
      ),
    ]);
    this.#noteHooks(outcomes);
    const done = this.#options.handOff ? handedOff : files.every((file) => history.has(file));
    if (done) {
      this.#processedLog.append(encodePathLine(pcap));
      logger.info({ pcap, files: files.length, logs: outDir }, 'PCAP processed');
    } else {
      logger.warn({ pcap, logs: outDir }, 'not every file of the PCAP was analysed (stopped or failed); it is taken again next run');
    }
  }
}
