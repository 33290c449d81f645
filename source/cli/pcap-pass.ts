import { mkdir } from 'node:fs/promises';
import { ENGINE_NAMES, type Engine, type EngineName } from '../engine/engine.ts';
import { PcapQueue, type PcapRunResult } from '../engine/run.ts';
import { tsharkEngine } from '../engine/tshark.ts';
import { zeekEngine } from '../engine/zeek.ts';
import { UsageError } from '../errors.ts';
import { BUILTIN_HOOKS } from '../hooks/builtin.ts';
import { loadSites } from '../hooks/sites.ts';
import { DiskWatermark, watermarkSettings } from '../engine/disk-watermark.ts';
import { connectOnce, redactUrl } from '../redis/connection.ts';
import { startHeartbeat } from '../redis/heartbeat.ts';
import { StreamQueue } from '../redis/queue.ts';
import { REDIS_OPTIONS, resolveRedisSettings } from '../redis/settings.ts';
import type { Logger } from '../log.ts';
import type { Settings } from '../settings.ts';
import { runPass } from './run-pass.ts';

/** The options `run` and `watch-pcaps` add to the shared ones. */
export const PCAP_OPTIONS = { engine: { type: 'string' }, sites: { type: 'string' }, ...REDIS_OPTIONS } as const;

export const PCAP_HELP = `Options:
  --engine NAME       BROAPT_ENGINE        zeek or tshark (tshark --export-objects:
                                           HTTP, SMTP and attachments, SMB, TFTP, FTP) [zeek]
  --sites DIR         BROAPT_SITES         folder of user hook modules (docs/hooks.md)
                      BROAPT_CPU           captures processed at once           [1]
                      BROAPT_DISK_HIGH/LOW hold new captures while the dump folder's
                                           disk is over HIGH % used, until under LOW % [90/80]
                      BROAPT_ZEEK, BROAPT_TSHARK   engine binary               [on PATH]
  Zeek switches (docs/engines.md): BROAPT_LOAD_MIME, BROAPT_LOAD_PROTOCOL,
  BROAPT_HASH_MD5/SHA1/SHA256, BROAPT_X509_MODE, BROAPT_ENTROPY_MODE,
  BROAPT_FILE_BUFFER, BROAPT_SIZE_LIMIT, BROAPT_JSON_MODE, BROAPT_BARE_MODE,
  BROAPT_NO_CHKSUM.
  --redis URL         BROAPT_REDIS_URL     cluster mode's core side: queue each extracted
                                           file for the app workers (broapt watch --redis)
                                           instead of analysing it here
  --prefix TEXT       BROAPT_REDIS_PREFIX  the deployment's key prefix          [broapt:]`;

export const PCAP_SIGNALS_HELP = `Signals, as in the reference: SIGUSR1 stops the dump loop (no new files are
analysed; captures still running are not recorded, so they are extracted
again next run), SIGUSR2 the logs loop (no new captures; running ones finish
with their files), SIGTERM and SIGINT both. A second SIGUSR1, SIGTERM or SIGINT
kills what still runs and exits at once; nothing is half-recorded.`;

export interface PcapPassContext {
  queue: PcapQueue;
  /** Resolves when the logs loop must stop taking captures (SIGUSR2, SIGTERM, SIGINT). */
  logsStopped: Promise<void>;
  logger: Logger;
}

/**
 * Shared frame of `run` and `watch-pcaps`: engine and hooks from the options,
 * the session and its dump loop (runPass), the logs loop (a PcapQueue), the
 * reference's signals. `feed` adds captures and closes the queue when it has
 * no more; the exit status is 1 when a capture, file or hook failed.
 */
export async function runPcapPass(
  settings: Settings,
  values: { engine?: string | undefined; sites?: string | undefined; redis?: string | undefined; prefix?: string | undefined; 'log-level'?: string | undefined },
  passOptions: { settleMs?: number },
  feed: (context: PcapPassContext) => Promise<void>,
): Promise<number> {
  const engine = makeEngine(values.engine ?? (process.env.BROAPT_ENGINE?.trim() || 'zeek'));
  const parallel = pcapParallelism(process.env.BROAPT_CPU);
  const watermarks = watermarkSettings();
  const sites = values.sites ?? (process.env.BROAPT_SITES?.trim() || undefined);
  const loaded = sites === undefined ? { hooks: [], failures: [] } : await loadSites(sites);
  const redis = resolveRedisSettings({ url: values.redis, prefix: values.prefix });
  const connection = redis === undefined ? undefined : await connectOnce(redis.url, redis.prefix, 'broapt:core');
  let handOff: ((file: string) => Promise<void>) | undefined;
  let queued = 0;
  let stopHeartbeat = async () => {};
  if (connection !== undefined && redis !== undefined) {
    const queue = new StreamQueue(connection);
    await queue.ensureGroup();
    stopHeartbeat = startHeartbeat(connection, 'core');
    // enqueue waits while the queue holds BROAPT_REDIS_MAX_QUEUE files: extraction slows to the workers' pace.
    handOff = async (file) => {
      queued += (await queue.enqueue([file], { maxQueue: redis.maxQueue })).added;
    };
  }
  let outcome: PcapRunResult | undefined;
  const code = await runPass(settings, { logLevel: values['log-level'], ...passOptions }, async ({ session, passOptions, stopRequested }) => {
    for (const failure of loaded.failures) session.logger.error({ hook: failure.hook, err: failure.error }, failure.error?.message);
    await mkdir(settings.dumpPath, { recursive: true });
    const watermark = new DiskWatermark(settings.dumpPath, { ...watermarks, logger: session.logger });
    if (redis !== undefined) session.logger.info({ redis: redactUrl(redis.url), prefix: redis.prefix }, 'cluster core: extracted files go to the work queue');
    const queue = await PcapQueue.open(session, engine, { parallel, watermark, ...(handOff ? { handOff } : {}), hooks: [...BUILTIN_HOOKS, ...loaded.hooks], ...(passOptions.onRecord ? { onRecord: passOptions.onRecord } : {}) });
    let stopLogs!: () => void;
    const logsStopped = new Promise<void>((resolve) => (stopLogs = resolve));
    const onUsr2 = () => stopLogs();
    process.on('SIGUSR2', onUsr2);
    // SIGUSR1 stops only the dump loop, which runPass has done already.
    void stopRequested.then((signal) => signal !== 'SIGUSR1' && stopLogs());
    void logsStopped.then(() => {
      session.logger.info({ running: 'captures finish' }, 'logs loop stopping: no new captures');
      queue.close(true);
    });
    try {
      await feed({ queue, logsStopped, logger: session.logger });
      outcome = await queue.finished();
    } finally {
      process.off('SIGUSR2', onUsr2);
    }
    session.logger.info({ alreadyProcessed: outcome.alreadyProcessed, failed: outcome.failed.length, leftForNextRun: outcome.leftForNextRun, ...(handOff ? { queued } : {}) }, 'captures done');
    return outcome.summary;
  }).finally(async () => {
    await stopHeartbeat();
    connection?.redis.disconnect();
  });
  const failures = (outcome?.failed.length ?? 0) + (outcome?.hookFailures.length ?? 0) + loaded.failures.length;
  return failures > 0 ? Math.max(code, 1) : code;
}

function makeEngine(name: string): Engine {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown engine ${JSON.stringify(name)} (from --engine or BROAPT_ENGINE); use ${ENGINE_NAMES.join(' or ')}.`, 'E_ENGINE');
  }
  return (name as EngineName) === 'zeek' ? zeekEngine() : tsharkEngine();
}

function pcapParallelism(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`BROAPT_CPU=${JSON.stringify(value)} is not valid: give a whole number of at least 1.`, 'E_SETTING');
  return n;
}
