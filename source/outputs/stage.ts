import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileDigests } from '../engine/place.ts';
import { UsageError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { FileRecord } from '../pipeline/record.ts';
import { reportLine } from '../report/logs.ts';
import { alertOf, isAlerting, type Alert, type ConnectionContext, type Hashes } from './alert.ts';
import { commandOutput } from './command.ts';
import { ecsFileOutput } from './ecs-file.ts';
import { elasticOutput } from './elastic.ts';
import { intelOutput } from './intel.ts';
import { DeliveryLane, STATE_FILE, type DeliveryStats, type Output } from './lane.ts';
import { quarantineOutput, type QuarantineItem } from './quarantine.ts';
import type { OutputSettings } from './settings.ts';
import { claimSpoolRoot, Spool } from './spool.ts';
import { syslogOutput } from './syslog.ts';
import { webhookOutput } from './webhook.ts';
import { CaptureContexts } from './zeek-context.ts';

/** How long a record may wait for its capture's Zeek logs while the capture is still being extracted. */
const CONTEXT_WAIT_MS = 10_000;
const CONTEXT_POLL_MS = 500;
/** Records prepared at once (hashing, log lookups); the rest wait in memory, in order. */
const PREPARING = 4;
/** Default bound of the flush at shutdown. */
const FLUSH_MS = 5_000;

/** An output and what it takes: alerts only, or every record (the ECS outputs). */
interface Route {
  lane: DeliveryLane;
  everyRecord: boolean;
  /** What is spooled for it, when more than the alert (quarantine keeps the record). */
  payload?: (alert: Alert, record: FileRecord) => unknown;
}

/** A file or folder output that cannot be opened is a setting to fix, said in one line. */
async function opened(variable: string, target: string, open: (target: string) => Promise<Output>): Promise<Output> {
  try {
    return await open(target);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new UsageError(`${variable}=${target} cannot be opened (${why}): point it at a path broapt can create and write.`, 'E_OUTPUT');
  }
}

async function outputsOf(settings: OutputSettings): Promise<Array<{ output: Output; everyRecord?: boolean; payload?: Route['payload'] }>> {
  const outputs: Array<{ output: Output; everyRecord?: boolean; payload?: Route['payload'] }> = [];
  if (settings.webhook) outputs.push({ output: webhookOutput(settings.webhook.url, settings.webhook.secret) });
  if (settings.syslog) outputs.push({ output: syslogOutput(settings.syslog) });
  if (settings.ecsLog) outputs.push({ output: await opened('BROAPT_ECS_LOG', settings.ecsLog, ecsFileOutput), everyRecord: true });
  if (settings.elastic) outputs.push({ output: elasticOutput(settings.elastic.url, settings.elastic.index, settings.elastic.apiKey), everyRecord: true });
  if (settings.intelFile) outputs.push({ output: await opened('BROAPT_INTEL_FILE', settings.intelFile, intelOutput) });
  if (settings.command) outputs.push({ output: commandOutput(settings.command.text, settings.command.timeoutMs) });
  if (settings.quarantine) {
    outputs.push({ output: await opened('BROAPT_QUARANTINE', settings.quarantine, quarantineOutput), payload: (alert, record): QuarantineItem => ({ alert, record: reportLine(record) }) });
  }
  return outputs;
}

/**
 * The output stage every mode's records go through once written: `accept`
 * only queues the record, so the processor never waits on a receiver; in the
 * background each record gets its hashes and its connection from the
 * capture's Zeek logs, and is spooled to each output's lane, which delivers it.
 */
export class OutputStage {
  readonly #settings: OutputSettings;
  readonly #routes: Route[];
  readonly #contexts: CaptureContexts;
  readonly #logger: Logger;
  readonly #release: () => Promise<void>;
  readonly #inbox: FileRecord[] = [];
  #preparing = 0;
  #closing = false;
  #drained: Array<() => void> = [];

  private constructor(settings: OutputSettings, routes: Route[], logsPath: string, logger: Logger, release: () => Promise<void>) {
    this.#settings = settings;
    this.#routes = routes;
    this.#contexts = new CaptureContexts(logsPath);
    this.#logger = logger;
    this.#release = release;
  }

  static async open(settings: OutputSettings, options: { logsPath: string; logger: Logger; backoffCapMs: number }): Promise<OutputStage> {
    const outputs = await outputsOf(settings);
    if (outputs.length === 0) return new OutputStage(settings, [], options.logsPath, options.logger, async () => {});
    const root = await claimSpoolRoot(options.logsPath, os.hostname());
    const routes: Route[] = [];
    for (const { output, everyRecord, payload } of outputs) {
      const spool = await Spool.open(path.join(root.dir, output.name));
      const past = JSON.parse(await readFile(path.join(spool.dir, STATE_FILE), 'utf8').catch(() => '{}')) as Partial<DeliveryStats>;
      const lane = new DeliveryLane(output, spool, { logger: options.logger, backoffCapMs: options.backoffCapMs, past });
      routes.push({ lane, everyRecord: everyRecord === true, ...(payload === undefined ? {} : { payload }) });
    }
    options.logger.info({ outputs: outputs.map(({ output }) => output.name), spool: root.dir }, 'outputs on');
    return new OutputStage(settings, routes, options.logsPath, options.logger, root.release);
  }

  get stats(): DeliveryStats[] {
    return this.#routes.map((route) => route.lane.stats);
  }

  /** Called right after a record is written; returns at once. */
  accept(record: FileRecord): void {
    if (this.#routes.length === 0) return;
    if (!isAlerting(record, this.#settings.alertMin) && !this.#routes.some((route) => route.everyRecord)) return;
    this.#inbox.push(record);
    this.#pump();
  }

  /** Spools what is queued, then gives the lanes `boundMs` to deliver; what is left stays spooled for the next start. */
  async close(boundMs = FLUSH_MS): Promise<void> {
    this.#closing = true;
    if (this.#inbox.length > 0 || this.#preparing > 0) await new Promise<void>((resolve) => this.#drained.push(resolve));
    await Promise.all(this.#routes.map((route) => route.lane.close(boundMs)));
    await this.#release();
  }

  #pump(): void {
    while (this.#preparing < PREPARING && this.#inbox.length > 0) {
      const record = this.#inbox.shift()!;
      this.#preparing++;
      void this.#route(record)
        .catch((error: unknown) => this.#logger.error({ err: error, path: record.path }, 'a record could not be spooled for its outputs'))
        .finally(() => {
          this.#preparing--;
          this.#pump();
          if (this.#preparing === 0 && this.#inbox.length === 0) for (const resolve of this.#drained.splice(0)) resolve();
        });
    }
  }

  async #route(record: FileRecord): Promise<void> {
    const alerting = isAlerting(record, this.#settings.alertMin);
    const [hashes, context] = await Promise.all([alerting ? this.#hashes(record) : Promise.resolve({}), this.#context(record)]);
    const alert = alertOf(record, alerting, hashes, context ?? {});
    await Promise.all(this.#routes.filter((route) => alerting || route.everyRecord).map((route) => route.lane.add(route.payload?.(alert, record) ?? alert)));
  }

  /** md5 and sha1 besides the record's sha256, from the file itself; a file gone since keeps the sha256 alone. */
  async #hashes(record: FileRecord): Promise<Hashes> {
    try {
      const { md5, sha1, sha256 } = await fileDigests(record.path, { noFollow: true });
      return { md5, sha1, sha256: record.sha256 ?? sha256 };
    } catch {
      return record.sha256 === undefined ? {} : { sha256: record.sha256 };
    }
  }

  /** A member of an archive was carried by its archive's connection: the lookup falls back to the parent's fuid. */
  async #context(record: FileRecord): Promise<ConnectionContext | undefined> {
    const fuids = [record.fuid, ...(record.parentFuid === undefined ? [] : [record.parentFuid])].filter((fuid) => fuid !== '');
    const started = Date.now();
    for (;;) {
      const answer = await this.#contexts.lookup(record.pcap, fuids, CONTEXT_WAIT_MS);
      if (answer.context !== undefined || !answer.active || this.#closing || Date.now() - started > CONTEXT_WAIT_MS) return answer.context;
      await new Promise((resolve) => setTimeout(resolve, CONTEXT_POLL_MS));
    }
  }
}
