import { EventEmitter } from 'node:events';
import type { ApiConfig } from '../api/app.ts';
import { matchApp } from '../api/match.ts';
import type { Entry } from '../entry/entry.ts';
import { makeEntry } from '../entry/make-entry.ts';
import type { AppendLog } from '../history/append-log.ts';
import type { History } from '../history/history.ts';
import type { Logger } from '../log.ts';
import { InstallGate } from '../pool/install.ts';
import { TASKS_PER_WORKER, type FilePool } from '../pool/pool.ts';
import type { Task } from '../pool/task.ts';
import type { CommandResult } from '../runner/result.ts';
import type { Settings } from '../settings.ts';
import { inspect, type SkipReason } from './listing.ts';
import type { FileRecord } from './record.ts';
import { whenSettled } from './settle.ts';

export interface ProcessorOptions {
  settings: Settings;
  config: ApiConfig;
  history: History;
  /** processed.jsonl */
  records: AppendLog;
  pool: FilePool;
  logger: Logger;
  /** Wait until a file is this many ms untouched before taking it (watch mode). */
  settleMs?: number;
}

export interface ProcessorEvents {
  record: [FileRecord];
  skip: [string, SkipReason];
}

/**
 * The journey of one file after it is found: not seen before → entry from its
 * name → api.yml app → install once → scripts and report in a pool worker →
 * record, history. At most `jobs` × TASKS_PER_WORKER files are with the pool
 * (each worker runs one and holds the next); the rest wait here. Stopping intake
 * drops the waiting ones and makes workers give back the ones they hold: only
 * files that never started, which are not in the history, so the next run takes them.
 */
export class Processor extends EventEmitter<ProcessorEvents> {
  readonly #o: ProcessorOptions;
  readonly #gate = new InstallGate();
  readonly #queue: string[] = [];
  readonly #known = new Set<string>();
  #active = 0;
  #accepting = true;
  #idle: Array<() => void> = [];

  constructor(options: ProcessorOptions) {
    super();
    this.#o = options;
  }

  /** Queue a file; false when it is already done, failed (without --retry-failed), queued or running. */
  submit(file: string): boolean {
    if (!this.#accepting || this.#known.has(file) || this.#o.history.has(file)) return false;
    this.#known.add(file);
    this.#queue.push(file);
    this.#pump();
    return true;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get active(): number {
    return this.#active;
  }

  /** Stop taking files and forget the queued ones; files already running finish. */
  stopIntake(): number {
    this.#accepting = false;
    this.#o.pool.stop();
    const dropped = this.#queue.splice(0);
    for (const file of dropped) this.#known.delete(file);
    this.#checkIdle();
    return dropped.length;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    if (this.#active === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #pump(): void {
    while (this.#active < this.#o.settings.jobs * TASKS_PER_WORKER && this.#queue.length > 0) {
      const file = this.#queue.shift()!;
      this.#active++;
      this.#run(file)
        .catch((error: unknown) => this.#o.logger.error({ err: error, path: file }, 'internal error while processing a file'))
        .finally(() => {
          this.#active--;
          this.#known.delete(file);
          this.#pump();
          this.#checkIdle();
        });
    }
  }

  #checkIdle(): void {
    if (this.#active > 0 || this.#queue.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #run(file: string): Promise<void> {
    const started = performance.now();
    const settled = !this.#o.settleMs || (await whenSettled(file, this.#o.settleMs));
    const kind = settled ? inspect(file) : 'missing';
    if (kind !== 'file') {
      const reason = kind === 'directory' ? 'not a regular file' : kind;
      this.#o.logger.warn({ path: file, reason }, 'skipped: only regular files are analysed');
      this.emit('skip', file, reason);
      return;
    }
    let entry: Entry;
    try {
      entry = await makeEntry(file);
    } catch (error) {
      this.#finish(started, failedRead(file, error, 'cannot read the file'));
      return;
    }
    let analysed;
    try {
      analysed = await this.#analyse(entry);
    } catch (error) {
      // A bug must not leave the file in limbo (neither done nor failed), where every restart would trip on it again.
      analysed = failedRead(file, error, 'internal error while analysing the file, please report it');
    }
    // Given back by a stopping pool before it started: the next run takes it.
    if (analysed !== undefined) this.#finish(started, analysed);
  }

  async #analyse(entry: Entry): Promise<Omit<FileRecord, 'time' | 'durationMs'> | undefined> {
    const { settings, config } = this.#o;
    const match = matchApp(config, entry.mime);
    const app = match.app;
    const base = {
      path: entry.path,
      fuid: entry.fuid,
      protocol: entry.protocol,
      pcap: entry.pcap,
      mime: entry.mime.name,
      app: app.key,
      matchedBy: match.reason,
    };
    const failed = (reason: string, commands: CommandResult[] = []) => ({ ...base, status: 'failed' as const, reason, commands });
    if (app.remote) {
      return failed(`${app.key} is a remote app (remote: true), and this version has no remote detection client yet; run it locally by removing \`remote: true\` from ${config.file}`);
    }
    const context = {
      apiLogs: settings.apiLogs,
      logFolder: match.reason === 'default' ? 'example' : entry.mime.name,
      workdir: match.workdir,
      maxAttempts: settings.maxRetry,
      backoffCapMs: settings.interval * 1000,
    };
    const install = await this.#gate.ensure(app, entry, context);
    if (install.reason !== undefined) return failed(install.reason, install.commands);
    const task: Task = {
      entry,
      plan: {
        key: app.key,
        logFolder: context.logFolder,
        workdir: context.workdir,
        environ: app.environ,
        scripts: app.scripts,
        report: app.report,
        timeoutMs: app.timeoutMs,
      },
      apiLogs: settings.apiLogs,
      maxAttempts: settings.maxRetry,
      backoffCapMs: context.backoffCapMs,
    };
    const outcome = await this.#o.pool.run(task);
    if (outcome.cancelled) return undefined;
    const commands = [...install.commands, ...outcome.commands];
    if (outcome.reason !== undefined) return failed(outcome.reason, commands);
    return { ...base, status: 'done', commands };
  }

  #finish(started: number, partial: Omit<FileRecord, 'time' | 'durationMs'>): void {
    const record: FileRecord = { time: new Date().toISOString(), ...partial, durationMs: Math.round(performance.now() - started) };
    this.#o.records.append(JSON.stringify(record));
    if (record.status === 'done') this.#o.history.markDone(record.path);
    else this.#o.history.markFailed(record.path, record.reason ?? 'failed', { fuid: record.fuid, mime: record.mime, app: record.app });
    this.emit('record', record);
  }
}

function failedRead(file: string, error: unknown, what: string): Omit<FileRecord, 'time' | 'durationMs'> {
  return {
    path: file,
    fuid: '',
    protocol: null,
    pcap: null,
    mime: '',
    app: '',
    matchedBy: 'default',
    status: 'failed',
    reason: `${what}: ${error instanceof Error ? error.message : String(error)}`,
    commands: [],
  };
}
