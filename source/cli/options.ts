import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';
import { OUTPUT_FLAGS, OUTPUT_SECRETS, resolveOutputSettings } from '../outputs/settings.ts';
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
  'broken-apps': { type: 'string' },
  'log-level': { type: 'string' },
  ...(Object.fromEntries(Object.keys(OUTPUT_FLAGS).map((flag) => [flag, { type: 'string' }])) as Record<keyof typeof OUTPUT_FLAGS, { type: 'string' }>),
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
  --timeout SEC       BROAPT_TIMEOUT       per-command timeout when api.yml sets none,
                                           seconds or a duration like 90s, 5m   [300]
  --retry-failed                           take files listed in fail.log again
  --runner KIND       BROAPT_RUNNER        host|sandbox|container, for apps whose api.yml
                                           sets no \`runner\`                    [host]
  --broken-apps WHAT  BROAPT_BROKEN_APPS   refuse|skip: stop on an app \`broapt apps check\`
                                           finds broken, or fail only its files [refuse]
  --log-level LEVEL   BROAPT_LOG_LEVEL     trace|debug|info|warn|error|silent   [info]
                      BROAPT_ARCHIVE_MAX_CHILDREN, BROAPT_ARCHIVE_MAX_BYTES, BROAPT_ARCHIVE_MAX_SECONDS
                                           what one file's archives may unpack, all levels
                                           together, before an archive.budget.* finding
                                                                 [1000, 1073741824, 600]
                      BROAPT_RETENTION     keep records, API logs and unpacked members
                                           this long (30d, 12h, 2w)             [forever]

Outputs (docs/alerts.md; each off unless set; spooled in <logs-path>/spool/):
  --alert-min LEVEL   BROAPT_ALERT_MIN     malicious|suspicious: verdicts that alert [malicious]
  --alert-webhook URL BROAPT_ALERT_WEBHOOK POST each alert (signed: BROAPT_ALERT_SECRET)
  --alert-syslog DEST BROAPT_ALERT_SYSLOG  udp://HOST:PORT, tcp://HOST:PORT or unix:/dev/log
  --ecs-log PATH      BROAPT_ECS_LOG       every record as an ECS JSON line
  --elastic-url URL   BROAPT_ELASTIC_URL   every record through _bulk (BROAPT_ELASTIC_API_KEY,
                                           BROAPT_ELASTIC_INDEX [broapt])
  --intel-file PATH   BROAPT_INTEL_FILE    Zeek Intel file of the alerting files' hashes
  --alert-command CMD BROAPT_ALERT_COMMAND run per alert, alert on stdin and in
                                           BROAPT_ALERT_* (BROAPT_ALERT_TIMEOUT [30])
  --quarantine DIR    BROAPT_QUARANTINE    copy each alerting file there as <sha256>
  A detection: line goes to stderr for each suspicious or malicious file.`;

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
    brokenApps: values['broken-apps'],
  });
  if (Object.keys(OUTPUT_FLAGS).some((flag) => values[flag] !== undefined)) settings.outputs = resolveOutputSettings(process.env, process.cwd(), values);
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
