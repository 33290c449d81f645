import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import { OUTPUT_SECRETS } from '../outputs/settings.ts';
import { resolveSettings, type Settings } from '../settings.ts';

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** Flags every pipeline command takes, named after the reference's BROAPT_* variables. */
export const SETTING_OPTIONS = {
  'dump-path': { type: 'string' },
  'api-root': { type: 'string' },
  'api-logs': { type: 'string' },
  'logs-path': { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  interval: { type: 'string' },
  'max-retry': { type: 'string' },
  timeout: { type: 'string' },
  'retry-failed': { type: 'boolean' },
  runner: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export const SETTING_HELP = `Settings (flags win over the BROAPT_* variables, which win over defaults):
  --dump-path DIR     BROAPT_DUMP_PATH     folder Zeek extracts files into      [./extract_files]
  --api-root DIR      BROAPT_API_ROOT      folder holding api.yml and the apps  [the shipped apps/]
  --api-logs DIR      BROAPT_API_LOGS      per-command logs <DIR>/<mime>/<fuid>-<phase>.N
                                                                                 [<logs-path>/api]
  --logs-path DIR     BROAPT_LOGS_PATH     dump.log, fail.log, processed.jsonl  [./logs]
  -j, --jobs N        BROAPT_APP_CPU, BROAPT_SCAN_CPU
                                           files analysed at once               [CPU count]
  --interval SEC      BROAPT_INTERVAL, BROAPT_APP_INTERVAL
                                           cap of the retry back-off; watch's rescan period [10]
  --max-retry N       BROAPT_MAX_RETRY     attempts per command                 [3]
  --timeout SEC       BROAPT_TIMEOUT       per-command timeout when api.yml sets none [300]
  --retry-failed                           take files listed in fail.log again
  --runner KIND       BROAPT_RUNNER        host|sandbox|container, for apps whose api.yml
                                           sets no \`runner\`                    [host]
  --log-level LEVEL   BROAPT_LOG_LEVEL     trace|debug|info|warn|error|silent   [info]

Outputs (docs/alerts.md; each off unless set): a detection: line on stderr per
suspicious or malicious file, and for the verdicts BROAPT_ALERT_MIN names
(malicious|suspicious) [malicious]: BROAPT_ALERT_WEBHOOK (+ BROAPT_ALERT_SECRET),
BROAPT_ALERT_SYSLOG (udp://, tcp://, unix:), BROAPT_INTEL_FILE,
BROAPT_ALERT_COMMAND (+ BROAPT_ALERT_TIMEOUT [30]), BROAPT_QUARANTINE; every
record: BROAPT_ECS_LOG, BROAPT_ELASTIC_URL (+ BROAPT_ELASTIC_API_KEY,
BROAPT_ELASTIC_INDEX [broapt]). Deliveries are spooled in <logs-path>/spool/.`;

/** parseArgs with messages that say which command and how to get help. */
export function parse<O extends OptionSpec>(command: string, args: string[], options: O, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(`${detail}\nRun \`broapt ${command} --help\` for the options.`);
  }
}

export function settingsFrom(values: Record<string, string | boolean | undefined>): Settings {
  const settings = resolveSettings({
    dumpPath: values['dump-path'],
    apiRoot: values['api-root'],
    apiLogs: values['api-logs'],
    logsPath: values['logs-path'],
    jobs: values.jobs,
    interval: values.interval,
    maxRetry: values['max-retry'],
    timeout: values.timeout,
    retryFailed: values['retry-failed'],
    settleTime: values['settle-time'],
    runner: values.runner,
  });
  // The apps analyse hostile files, and run before any output needs the keys again: they must not inherit them.
  for (const name of OUTPUT_SECRETS) delete process.env[name];
  return settings;
}

/** Refuse paths that do not exist before anything is opened or written, naming how to point elsewhere. */
export function requireExisting(paths: string[], kind: 'folder' | 'file or folder'): void {
  for (const p of paths) {
    const stat = statSync(p, { throwIfNoEntry: false });
    if (stat === undefined || (kind === 'folder' && !stat.isDirectory())) {
      throw new UsageError(
        `${p} ${stat === undefined ? 'does not exist' : 'is not a folder'}. Give the ${kind} to analyse, or point at the dump folder with --dump-path or BROAPT_DUMP_PATH.`,
        'E_NO_INPUT',
      );
    }
  }
}
