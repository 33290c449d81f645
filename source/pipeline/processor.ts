import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { ApiConfig, App } from '../api/app.ts';
import { matchApp } from '../api/match.ts';
import type { Entry } from '../entry/entry.ts';
import { makeEntry } from '../entry/make-entry.ts';
import { GivenPaths } from '../history/given-paths.ts';
import type { FileHistory } from '../history/history.ts';
import { LogWriteError } from '../history/log-write-error.ts';
import type { Logger } from '../log.ts';
import type { OutputStage } from '../outputs/stage.ts';
import { InstallGate, type InstallLock } from '../pool/install.ts';
import { IN_FLIGHT_PER_JOB, type FilePool } from '../pool/pool.ts';
import type { Task } from '../pool/task.ts';
import { logFolderOf } from '../runner/api-logs.ts';
import { remoteTarget } from '../runner/remote-target.ts';
import { Runners, type Prepared } from '../runner/select.ts';
import { RootBudgets } from '../report/budget.ts';
import { childFuid, childrenOf, childrenPathOf, MAX_CHILD_DEPTH, type ChildOrigin } from '../report/children.ts';
import { foldMembers, raiseOnContainer } from '../report/members.ts';
import { mergeReports, type Merged } from '../report/merge.ts';
import type { ReportLogs } from '../report/logs.ts';
import type { CommandResult } from '../runner/result.ts';
import type { Settings } from '../settings.ts';
import { Conditions } from './conditions.ts';
import { inspect, type SkipReason } from './listing.ts';
import { assertLogsWritten } from './log-failure.ts';
import { failedRead, type FileRecord } from './record.ts';
import type { ResultCache } from './result-cache.ts';
import { whenSettled } from './settle.ts';

export interface ProcessorOptions {
  settings: Settings;
  config: ApiConfig;
  history: FileHistory;
  /** Cluster mode: install once across machines. */
  installLock?: InstallLock | undefined;
  /** Cluster mode: answer identical files from an earlier record. */
  resultCache?: ResultCache | undefined;
  /** Each app's runner (host, sandbox, container), made ready before its files go to the pool. */
  runners?: Runners;
  /** processed.jsonl */
  records: { append(line: string): void };
  /** reports.jsonl and broapt.log. */
  reportLogs?: ReportLogs;
  /** Alerts, SIEM feeds and reactions (docs/alerts.md): takes each record once written, never waits on a receiver. */
  outputs?: OutputStage;
  pool: FilePool;
  logger: Logger;
  /** Wait until a file is this many ms untouched before taking it (watch mode). */
  settleMs?: number;
  /** Apps skipped as broken (--broken-apps skip), with the reason their files fail with. */
  brokenApps?: ReadonlyMap<App, string>;
}

export interface ProcessorEvents {
  record: [FileRecord];
  skip: [string, SkipReason];
  /** Files an app unpacked were queued as entries of their own: a pass has that many more to do (fewer, when negative: queued members left out). */
  adopt: [number];
  /** broapt could not write one of its own logs: intake has stopped, and the pass should end. */
  logsFailed: [LogWriteError];
}

/**
 * The journey of one file after it is found: not seen before → entry from its
 * name → api.yml app → install once → scripts and report in a pool worker →
 * record, history. At most `jobs` × IN_FLIGHT_PER_JOB files are with the pool;
 * the rest wait here. Stopping intake drops the waiting ones and makes workers
 * give back the ones not started: files that are not in the history, so the next
 * run takes them.
 */
export class Processor extends EventEmitter<ProcessorEvents> {
  readonly #o: ProcessorOptions;
  readonly #gate: InstallGate;
  readonly #runners: Runners;
  /** Waiting files; `#head` is the next one (shift() would copy the whole array for each file of a large queue). */
  #queue: string[] = [];
  #head = 0;
  /** Files queued or running, with whoever awaits their outcome. */
  readonly #known = new Map<string, Array<(record: FileRecord | undefined) => void>>();
  #active = 0;
  /** Running files that wait for their members' records: they hold no pool slot meanwhile, so nesting cannot starve the pool. */
  #parked = 0;
  /** Containers being analysed → the members they queued, whose verdicts fold into theirs. */
  readonly #members = new Map<string, string[]>();
  #accepting = true;
  /** Callers of idle() and whenRoom(), woken as files are taken from the queue or end. */
  readonly #waits = new Conditions();
  /** Files unpacked from an archive, queued or running, with where they came from. */
  readonly #children = new Map<string, ChildOrigin>();
  readonly #budgets: RootBudgets;
  /** The first write of our own logs that failed; from then on no file is taken. */
  #logFailure: LogWriteError | undefined;
  /** Files that ended without a record since #logFailure: the next run takes them. */
  #unrecorded = 0;
  /** The folders given through a symlink: a reference history holds their files by that spelling. */
  readonly givenPaths = new GivenPaths();

  constructor(options: ProcessorOptions) {
    super();
    this.#o = options;
    this.#gate = new InstallGate(options.installLock);
    this.#runners = options.runners ?? new Runners(options.settings.runner);
    this.#budgets = new RootBudgets(options.settings.archiveBudget);
  }

  /** Queue a file; false when it is already done, failed (without --retry-failed), queued or running. */
  submit(file: string): boolean {
    if (!this.#accepting || this.#known.has(file) || this.recorded(file)) return false;
    this.#known.set(file, []);
    this.#queue.push(file);
    this.#pump();
    return true;
  }

  /** The history has the file: done, or failed and not to be retried. */
  recorded(file: string): boolean {
    if (this.#o.history.has(file)) return true;
    for (const given of this.givenPaths.of(file)) if (this.#o.history.has(given)) return true;
    return false;
  }

  /**
   * Queue a file (or join it when it is already queued or running) and resolve
   * with its record; undefined when it is already in the history, was skipped,
   * or was given back by a stop before it started.
   */
  process(file: string): Promise<FileRecord | undefined> {
    this.submit(file);
    return this.#outcomeOf(file);
  }

  get #waiting(): number {
    return this.#queue.length - this.#head;
  }

  get active(): number {
    return this.#active;
  }

  /** Why this run stopped taking files, if its own logs could not be written. */
  get logFailure(): LogWriteError | undefined {
    return this.#logFailure;
  }

  /** Files left without a record (for the next run) since the logs failed. */
  get unrecorded(): number {
    return this.#unrecorded;
  }

  /** Files waiting here, not yet handed to the pool. */
  get queued(): number {
    return this.#waiting;
  }

  /** Stop taking files and forget the queued ones; files already running finish. */
  stopIntake(): number {
    this.#accepting = false;
    this.#o.pool.stop();
    const dropped = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const file of dropped) this.#settle(file, undefined);
    this.#waits.check();
    return dropped.length;
  }

  /** Resolves once nothing is queued or running. */
  idle(): Promise<void> {
    return this.#waits.until(() => this.#active === 0 && this.#waiting === 0);
  }

  /** Resolves once fewer than `below` files wait here (true) or intake has stopped (false): a caller feeding a long walk keeps the queue short. */
  async whenRoom(below: number): Promise<boolean> {
    await this.#waits.until(() => this.#waiting < below || !this.#accepting);
    return this.#accepting;
  }

  #pump(): void {
    while (this.#active - this.#parked < this.#o.settings.jobs * IN_FLIGHT_PER_JOB && this.#waiting > 0) {
      const file = this.#queue[this.#head++]!;
      if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#active++;
      this.#run(file)
        .catch((error: unknown) => {
          if (error instanceof LogWriteError) this.#logsFailed(error);
          else this.#o.logger.error({ err: error, path: file }, 'internal error while processing a file');
          return undefined;
        })
        .then((record) => {
          this.#active--;
          this.#settle(file, record);
          this.#pump();
        });
    }
    this.#waits.check();
  }

  /** Our own logs are not the file's fault: take no more files, so none is recorded as failed for it. */
  #logsFailed(error: LogWriteError): void {
    if (this.#logFailure !== undefined) return;
    this.#logFailure = error;
    // The message says it all; a stack would only bury it (the summary's last line repeats it).
    this.#o.logger.error({ reason: error.message }, 'cannot write broapt\'s own logs: no more files are taken; the ones not recorded are left for the next run');
    this.stopIntake();
    this.emit('logsFailed', error);
  }

  #settle(file: string, record: FileRecord | undefined): void {
    if (record === undefined && this.#logFailure !== undefined) this.#unrecorded++;
    if (!this.#children.delete(file)) this.#budgets.close(file);
    const waiters = this.#known.get(file) ?? [];
    this.#known.delete(file);
    for (const resolve of waiters) resolve(record);
  }

  /** The file's record, or undefined when it was skipped or given back unstarted by a stop. */
  async #run(file: string): Promise<FileRecord | undefined> {
    const started = performance.now();
    if (this.#o.settleMs && !(await whenSettled(file, this.#o.settleMs, () => this.#accepting))) {
      if (!this.#accepting) return undefined;
    }
    const kind = inspect(file);
    if (kind !== 'file') {
      const reason = kind === 'directory' ? 'not a regular file' : kind;
      this.#o.logger.warn({ path: file, reason }, 'skipped: only regular files are analysed');
      this.emit('skip', file, reason);
      return undefined;
    }
    const origin = this.#children.get(file);
    if (origin === undefined) this.#budgets.open(file);
    else if (this.#budgets.leaveOut(origin.root)) {
      fs.rmSync(file, { force: true });
      this.emit('adopt', -1);
      return undefined;
    }
    let entry: Entry;
    try {
      // A member of an archive: its identity derives from the archive's, as Zeek's own parent_fuid does,
      // and its name is the archive's word, never a BroAPT name to trust.
      entry = await makeEntry(file, { sniff: origin !== undefined });
      if (origin !== undefined) entry = { ...entry, fuid: origin.fuid, protocol: origin.protocol, pcap: origin.pcap };
    } catch (error) {
      return this.#finish(started, failedRead(file, error, 'cannot read the file'));
    }
    let analysed;
    try {
      const analyse = () => this.#analyse(entry);
      analysed = await (this.#o.resultCache ? this.#o.resultCache.through(entry, analyse) : analyse());
      // A cached record is an identical file's: where this file sits in an archive is its own.
      if (analysed !== undefined) analysed = { ...analysed, ...originFields(this.#children.get(file)) };
    } catch (error) {
      if (error instanceof LogWriteError) throw error;
      // A bug must not leave the file in limbo (neither done nor failed), where every restart would trip on it again.
      analysed = failedRead(file, error, 'internal error while analysing the file, please report it');
    }
    // Given back by a stop before it started: the next run takes it.
    if (analysed === undefined) return undefined;
    const members = this.#members.get(file);
    this.#members.delete(file);
    if (members !== undefined && analysed.status === 'done') {
      this.#parked++;
      this.#pump();
      try {
        foldMembers(analysed, await Promise.all(members.map((member) => this.#outcomeOf(member))));
      } finally {
        this.#parked--;
      }
    }
    const overBudget = origin === undefined && analysed.status === 'done' ? this.#budgets.close(file) : undefined;
    if (overBudget !== undefined) raiseOnContainer(analysed, overBudget);
    const record = this.#finish(started, analysed);
    removeUnpacked(record, origin !== undefined);
    return record;
  }

  /** The record a queued or running file ends with (undefined when it is given back or skipped). */
  #outcomeOf(file: string): Promise<FileRecord | undefined> {
    const waiters = this.#known.get(file);
    return waiters === undefined ? Promise.resolve(undefined) : new Promise((resolve) => waiters.push(resolve));
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
      ...originFields(this.#children.get(entry.path)),
    };
    const failed = (reason: string, commands: CommandResult[] = []) => ({ ...base, status: 'failed' as const, reason, commands });
    const broken = this.#o.brokenApps?.get(app);
    if (broken !== undefined) return failed(broken);
    // A remote app's commands run on the daemon, which has its own api.yml: none of them (install included) runs here.
    const remote = app.remote ? remoteTarget(app, entry.path, settings.dumpPath) : undefined;
    if (typeof remote === 'string') return failed(remote);
    const context = {
      apiLogs: settings.apiLogs,
      logFolder: logFolderOf(match, entry.mime),
      workdir: match.workdir,
      maxAttempts: settings.maxRetry,
      backoffCapMs: settings.interval * 1000,
    };
    const install: Prepared = remote ? { commands: [] } : await this.#runners.prepare(app, entry, context, this.#gate);
    assertLogsWritten(install.commands);
    if (install.reason !== undefined) return failed(install.reason, install.commands);
    // A stop came while this file waited for its install: its scripts have not started, so give it back.
    if (!this.#accepting) return undefined;
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
        ...(remote === undefined ? {} : { remote }),
        ...(install.isolation === undefined ? {} : { isolation: install.isolation }),
        warm: app.warm,
      },
      apiLogs: settings.apiLogs,
      maxAttempts: settings.maxRetry,
      backoffCapMs: context.backoffCapMs,
    };
    const outcome = await this.#o.pool.run(task);
    if (outcome.cancelled) return undefined;
    const commands = [...install.commands, ...outcome.commands];
    assertLogsWritten(outcome.commands);
    if (outcome.reason !== undefined) return failed(outcome.reason, commands);
    const { sha256, realMime, ...merged } = mergeReports(outcome.reports);
    // Names other than BroAPT's were sniffed to make the entry: their MIME is the real one.
    const real = realMime ?? (entry.scheme === 'broapt' ? undefined : entry.mime.name);
    const hash = sha256 ?? outcome.sha256;
    this.#adoptChildren(entry, childrenOf(outcome.reports, outcome.commands), merged);
    return { ...base, ...(real === undefined ? {} : { realMime: real }), ...(hash === undefined ? {} : { sha256: hash }), status: 'done', ...merged, reports: outcome.reports, commands };
  }

  /** Queues the files an app unpacked, up to MAX_CHILD_DEPTH archives deep; deeper ones become a finding of the parent. */
  #adoptChildren(entry: Entry, children: Array<{ path: string; member: string }>, merged: Omit<Merged, 'sha256' | 'realMime'>): void {
    if (children.length === 0) return;
    const parent = this.#children.get(entry.path);
    const depth = (parent?.depth ?? 0) + 1;
    if (depth > MAX_CHILD_DEPTH) {
      raiseOnContainer(merged, { rule: 'archive.depth-limit', description: `archives nested more than ${MAX_CHILD_DEPTH} deep: ${children.length} member(s) not analysed` });
      return;
    }
    const root = parent?.root ?? entry.path;
    const adopted: string[] = [];
    for (const child of this.#budgets.admit(root, children)) {
      this.#children.set(child.path, { fuid: childFuid(entry.fuid, child.member), parentFuid: entry.fuid, protocol: entry.protocol, pcap: entry.pcap, member: child.member, depth, root });
      if (this.submit(child.path)) adopted.push(child.path);
      else this.#children.delete(child.path);
    }
    if (adopted.length > 0) {
      this.#members.set(entry.path, adopted);
      this.emit('adopt', adopted.length);
    }
  }

  #finish(started: number, partial: Omit<FileRecord, 'time' | 'durationMs'>): FileRecord {
    const record: FileRecord = { time: new Date().toISOString(), ...partial, durationMs: Math.round(performance.now() - started) };
    this.#o.records.append(JSON.stringify(record));
    this.#o.reportLogs?.write(record);
    this.#o.outputs?.accept(record);
    if (record.status === 'done') this.#o.history.markDone(record.path);
    else this.#o.history.markFailed(record.path, record.reason ?? 'failed', { fuid: record.fuid, mime: record.mime, app: record.app });
    this.emit('record', record);
    return record;
  }
}

/**
 * Once a record is written its unpacked files are of no more use: the member
 * itself, and what its commands unpacked (its own members have their records
 * by now, the record waited for them). Left, a nested bomb fills the disk.
 */
function removeUnpacked(record: FileRecord, isMember: boolean): void {
  if (isMember) fs.rmSync(record.path, { force: true });
  for (const command of record.commands) fs.rmSync(childrenPathOf(command.log), { recursive: true, force: true });
}

function originFields(origin: ChildOrigin | undefined): { parentFuid?: string; archivePath?: string } {
  return origin === undefined ? {} : { parentFuid: origin.parentFuid, archivePath: origin.member };
}
