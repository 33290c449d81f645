import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_TIMEOUT_MS, toSeconds } from './api/duration.ts';
import { UsageError } from './errors.ts';
import { resolveOutputSettings, type OutputSettings } from './outputs/settings.ts';
import { DEFAULT_ARCHIVE_BUDGET, type ArchiveBudget } from './report/budget.ts';
import { retentionSeconds } from './results/duration.ts';
import { RUNNER_KINDS, type RunnerKind } from './runner/plan.ts';

/** Folder of the shipped apps and their api.yml: the default API root. */
export const SHIPPED_API_ROOT = fileURLToPath(new URL('../apps/', import.meta.url));

/** Everything a run is configured by. Flags win over BROAPT_* variables, which win over defaults. */
export interface Settings {
  /** Folder Zeek extracts files into (BROAPT_DUMP_PATH, --dump-path). */
  dumpPath: string;
  /** Folder holding api.yml and the apps' workdirs (BROAPT_API_ROOT, --api-root). */
  apiRoot: string;
  /** Folder of the per-command API logs (BROAPT_API_LOGS, --api-logs). */
  apiLogs: string;
  /** Folder of dump.log, fail.log, processed.jsonl (BROAPT_LOGS_PATH, --logs-path). */
  logsPath: string;
  /** Worker pool size (BROAPT_APP_CPU or BROAPT_SCAN_CPU, --jobs). */
  jobs: number;
  /** Seconds: cap of the retry back-off and period of watch's safety rescan (BROAPT_INTERVAL / BROAPT_APP_INTERVAL, --interval). */
  interval: number;
  /** Attempts per command, at least 1 (BROAPT_MAX_RETRY, --max-retry). */
  maxRetry: number;
  /** Default per-command timeout in seconds, when api.yml gives none (BROAPT_TIMEOUT, --timeout). */
  timeout: number;
  /** Take files listed in fail.log again (--retry-failed). */
  retryFailed: boolean;
  /** Seconds a file must stay untouched before watch takes it (BROAPT_SETTLE_TIME, --settle-time). */
  settleTime: number;
  /** Runner of apps whose api.yml sets no `runner` (BROAPT_RUNNER, --runner). */
  runner: RunnerKind;
  /** broapt.log as Zeek JSON lines instead of TSV (BROAPT_JSON_MODE, the reference's switch). */
  jsonMode: boolean;
  /** What one file's archives may unpack, all levels together (BROAPT_ARCHIVE_MAX_CHILDREN, _BYTES, _SECONDS). */
  archiveBudget: ArchiveBudget;
  /** What a run does with apps `broapt apps check` finds broken (BROAPT_BROKEN_APPS, --broken-apps). */
  brokenApps: BrokenAppsPolicy;
  /** Where records and alerts go after they are written (BROAPT_ALERT_*, BROAPT_ECS_LOG, …; docs/alerts.md). */
  outputs: OutputSettings;
  /** Seconds records, API logs and unpacked members are kept (BROAPT_RETENTION, `30d`); undefined keeps everything. */
  retention?: number | undefined;
}

/** `refuse`: stop before any file. `skip`: fail the broken apps' files with the reason, run the rest. */
export const BROKEN_APPS_POLICIES = ['refuse', 'skip'] as const;
export type BrokenAppsPolicy = (typeof BROKEN_APPS_POLICIES)[number];

/** Values given on the command line, by their Settings name; undefined means "not given". */
export type SettingFlags = Partial<Record<keyof Settings, string | boolean | undefined>>;

export interface Source {
  value: string;
  /** How the user wrote it, for error messages: `--jobs` or `BROAPT_APP_CPU`. */
  origin: string;
}

export function pick(flag: string | boolean | undefined, flagName: string, env: NodeJS.ProcessEnv, names: string[]): Source | undefined {
  if (typeof flag === 'string') return { value: flag, origin: flagName };
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), origin: name };
  }
  return undefined;
}

export function number(source: Source | undefined, fallback: number, opts: { integer: boolean; min: number }): number {
  if (!source) return fallback;
  const value = Number(source.value);
  if (!Number.isFinite(value) || (opts.integer && !Number.isInteger(value)) || value < opts.min) {
    const kind = opts.integer ? 'a whole number' : 'a number';
    throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give ${kind} of at least ${opts.min}.`, 'E_SETTING');
  }
  return value;
}

/** Seconds from a number or a duration (`90s`, `5m`), as api.yml's `timeout` takes them. */
export function duration(source: Source | undefined, fallback: number): number {
  if (!source) return fallback;
  const seconds = toSeconds(source.value);
  if (!(seconds > 0 && seconds * 1000 <= MAX_TIMEOUT_MS)) {
    throw new UsageError(
      `${source.origin}=${JSON.stringify(source.value)} is not valid: give seconds above 0 and at most ${MAX_TIMEOUT_MS / 1000}, as a number or a duration like "90s", "5m", "1h", "500ms".`,
      'E_SETTING',
    );
  }
  return seconds;
}

/** The reference read BROAPT_JSON_MODE with Python's truthiness of common spellings. */
export function boolean(source: Source | undefined, fallback: boolean): boolean {
  if (!source) return fallback;
  const value = source.value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give true or false.`, 'E_SETTING');
}

/** Resolve settings from flags, then BROAPT_* variables (reference names), then defaults. */
export function resolveSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Settings {
  const dir = (flag: string | boolean | undefined, flagName: string, names: string[], fallback: string) =>
    path.resolve(cwd, pick(flag, flagName, env, names)?.value ?? fallback);
  const logsPath = dir(flags.logsPath, '--logs-path', ['BROAPT_LOGS_PATH'], 'logs');
  return {
    dumpPath: dir(flags.dumpPath, '--dump-path', ['BROAPT_DUMP_PATH'], 'extract_files'),
    apiRoot: dir(flags.apiRoot, '--api-root', ['BROAPT_API_ROOT'], SHIPPED_API_ROOT),
    apiLogs: dir(flags.apiLogs, '--api-logs', ['BROAPT_API_LOGS'], path.join(logsPath, 'api')),
    logsPath,
    jobs: number(pick(flags.jobs, '--jobs', env, ['BROAPT_APP_CPU', 'BROAPT_SCAN_CPU']), os.availableParallelism(), { integer: true, min: 1 }),
    interval: number(pick(flags.interval, '--interval', env, ['BROAPT_INTERVAL', 'BROAPT_APP_INTERVAL']), 10, { integer: false, min: 0 }),
    maxRetry: number(pick(flags.maxRetry, '--max-retry', env, ['BROAPT_MAX_RETRY']), 3, { integer: true, min: 1 }),
    timeout: duration(pick(flags.timeout, '--timeout', env, ['BROAPT_TIMEOUT']), 300),
    retryFailed: flags.retryFailed === true,
    settleTime: number(pick(flags.settleTime, '--settle-time', env, ['BROAPT_SETTLE_TIME']), 0.5, { integer: false, min: 0 }),
    runner: oneOf<RunnerKind>(pick(flags.runner, '--runner', env, ['BROAPT_RUNNER']), RUNNER_KINDS, 'host'),
    jsonMode: boolean(pick(flags.jsonMode, '--json-mode', env, ['BROAPT_JSON_MODE']), false),
    archiveBudget: {
      children: number(pick(undefined, '', env, ['BROAPT_ARCHIVE_MAX_CHILDREN']), DEFAULT_ARCHIVE_BUDGET.children, { integer: true, min: 0 }),
      bytes: number(pick(undefined, '', env, ['BROAPT_ARCHIVE_MAX_BYTES']), DEFAULT_ARCHIVE_BUDGET.bytes, { integer: true, min: 0 }),
      seconds: number(pick(undefined, '', env, ['BROAPT_ARCHIVE_MAX_SECONDS']), DEFAULT_ARCHIVE_BUDGET.seconds, { integer: false, min: 0 }),
    },
    brokenApps: oneOf(pick(flags.brokenApps, '--broken-apps', env, ['BROAPT_BROKEN_APPS']), BROKEN_APPS_POLICIES, 'refuse'),
    outputs: resolveOutputSettings(env, cwd),
    retention: retentionSeconds(pick(undefined, '', env, ['BROAPT_RETENTION'])?.value),
  };
}

function oneOf<T extends string>(source: Source | undefined, values: readonly T[], fallback: T): T {
  if (!source) return fallback;
  if (!(values as readonly string[]).includes(source.value)) {
    throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give ${values.length === 2 ? values.join(' or ') : values.join(', ')}.`, 'E_SETTING');
  }
  return source.value as T;
}
