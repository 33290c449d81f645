import path from 'node:path';
import { UsageError } from '../errors.ts';

/** The verdicts that raise an alert, from the least severe one that does. */
export const ALERT_MINIMA = ['suspicious', 'malicious'] as const;
export type AlertMinimum = (typeof ALERT_MINIMA)[number];

/** Where syslog lines go: a UDP or TCP receiver, or a Unix socket such as /dev/log. */
export type SyslogTarget = { transport: 'udp' | 'tcp'; host: string; port: number } | { transport: 'unix'; path: string };

/** The outputs a record goes to after it is written (docs/alerts.md); each unset one is off. */
export interface OutputSettings {
  /** BROAPT_ALERT_MIN: the least severe verdict that alerts. */
  alertMin: AlertMinimum;
  /** BROAPT_ALERT_WEBHOOK, signed with BROAPT_ALERT_SECRET when set. */
  webhook?: { url: URL; secret?: string };
  /** BROAPT_ALERT_SYSLOG. */
  syslog?: SyslogTarget;
  /** BROAPT_ECS_LOG: every record as an ECS JSON line. */
  ecsLog?: string;
  /** BROAPT_ELASTIC_URL (+ BROAPT_ELASTIC_API_KEY, BROAPT_ELASTIC_INDEX): the ECS documents through the _bulk API instead. */
  elastic?: { url: URL; apiKey?: string; index: string };
  /** BROAPT_INTEL_FILE: a Zeek Intel framework file of the alerting files' hashes. */
  intelFile?: string;
  /** BROAPT_ALERT_COMMAND, with BROAPT_ALERT_TIMEOUT seconds. */
  command?: { text: string; timeoutMs: number };
  /** BROAPT_QUARANTINE: a copy of each alerting file. */
  quarantine?: string;
}

/** A variable's value and name; empty counts as unset, as for every BROAPT_* variable (source/settings.ts). */
interface Source {
  value: string;
  origin: string;
}

/** The flags that name an output's target, by the variable each overrides; keys stay variables only (a flag shows in `ps`). */
export const OUTPUT_FLAGS = {
  'alert-min': 'BROAPT_ALERT_MIN',
  'alert-webhook': 'BROAPT_ALERT_WEBHOOK',
  'alert-syslog': 'BROAPT_ALERT_SYSLOG',
  'ecs-log': 'BROAPT_ECS_LOG',
  'elastic-url': 'BROAPT_ELASTIC_URL',
  'intel-file': 'BROAPT_INTEL_FILE',
  'alert-command': 'BROAPT_ALERT_COMMAND',
  quarantine: 'BROAPT_QUARANTINE',
} as const;

export type OutputFlags = Partial<Record<keyof typeof OUTPUT_FLAGS, string | boolean | undefined>>;

function variable(env: NodeJS.ProcessEnv, name: string, flags: OutputFlags): Source | undefined {
  const flag = (Object.keys(OUTPUT_FLAGS) as Array<keyof typeof OUTPUT_FLAGS>).find((key) => OUTPUT_FLAGS[key] === name);
  const given = flag === undefined ? undefined : flags[flag];
  if (typeof given === 'string') return { value: given, origin: `--${flag}` };
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : { value, origin: name };
}

function seconds(source: Source | undefined, fallback: number): number {
  if (source === undefined) return fallback;
  const value = Number(source.value);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give a number of seconds above 0.`, 'E_SETTING');
  return value;
}

function httpUrl(source: Source): URL {
  let url: URL | undefined;
  try {
    url = new URL(source.value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give an http:// or https:// URL.`, 'E_SETTING');
  }
  return url;
}

function syslogTarget(source: Source): SyslogTarget {
  const bad = () => new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give udp://HOST:PORT, tcp://HOST:PORT or unix:/PATH (e.g. unix:/dev/log).`, 'E_SETTING');
  if (source.value.startsWith('unix:')) {
    const file = source.value.slice('unix:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path.isAbsolute(file)) throw bad();
    return { transport: 'unix', path: file };
  }
  let url: URL;
  try {
    url = new URL(source.value);
  } catch {
    throw bad();
  }
  const transport = url.protocol.slice(0, -1);
  if ((transport !== 'udp' && transport !== 'tcp') || url.hostname === '' || url.port === '') throw bad();
  return { transport, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port) };
}

function alertMin(source: Source | undefined): AlertMinimum {
  if (source === undefined) return 'malicious';
  const value = source.value.toLowerCase();
  if (!(ALERT_MINIMA as readonly string[]).includes(value)) {
    throw new UsageError(`${source.origin}=${JSON.stringify(source.value)} is not valid: give ${ALERT_MINIMA.join(' or ')}.`, 'E_SETTING');
  }
  return value as AlertMinimum;
}

/** Keys of the outputs: read once into the settings, then taken out of the environment the apps inherit. */
export const OUTPUT_SECRETS = ['BROAPT_ALERT_SECRET', 'BROAPT_ELASTIC_API_KEY'] as const;

/** The outputs from flags, then BROAPT_* variables; a value that cannot work stops the start with one line (exit 2). */
export function resolveOutputSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), flags: OutputFlags = {}): OutputSettings {
  const get = (name: string) => variable(env, name, flags);
  const file = (name: string) => {
    const source = get(name);
    return source === undefined ? undefined : path.resolve(cwd, source.value);
  };
  const settings: OutputSettings = { alertMin: alertMin(get('BROAPT_ALERT_MIN')) };
  const webhook = get('BROAPT_ALERT_WEBHOOK');
  const secret = get('BROAPT_ALERT_SECRET')?.value;
  if (webhook !== undefined) settings.webhook = { url: httpUrl(webhook), ...(secret === undefined ? {} : { secret }) };
  const syslog = get('BROAPT_ALERT_SYSLOG');
  if (syslog !== undefined) settings.syslog = syslogTarget(syslog);
  const elastic = get('BROAPT_ELASTIC_URL');
  const apiKey = get('BROAPT_ELASTIC_API_KEY')?.value;
  if (elastic !== undefined) settings.elastic = { url: httpUrl(elastic), ...(apiKey === undefined ? {} : { apiKey }), index: get('BROAPT_ELASTIC_INDEX')?.value ?? 'broapt' };
  const ecsLog = file('BROAPT_ECS_LOG');
  if (ecsLog !== undefined) settings.ecsLog = ecsLog;
  const intelFile = file('BROAPT_INTEL_FILE');
  if (intelFile !== undefined) settings.intelFile = intelFile;
  const command = get('BROAPT_ALERT_COMMAND');
  if (command !== undefined) {
    settings.command = { text: command.value, timeoutMs: seconds(get('BROAPT_ALERT_TIMEOUT'), 30) * 1000 };
  }
  const quarantine = file('BROAPT_QUARANTINE');
  if (quarantine !== undefined) settings.quarantine = quarantine;
  return settings;
}
