import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseEnv } from 'node:util';
import { isLoopback, tokenFrom } from '../../daemon/auth.ts';
import { startDaemon } from '../../daemon/server.ts';
import { UsageError } from '../../errors.ts';
import { logsFailedError } from '../../history/log-write-error.ts';
import { createLogger } from '../../log.ts';
import { openSession } from '../../pipeline/session.ts';
import { onStopSignal } from '../../pipeline/shutdown.ts';
import { REDIS_HELP, REDIS_OPTIONS, resolveRedisSettings } from '../../redis/settings.ts';
import { number, pick } from '../../settings.ts';
import { detectionLine } from '../detection-line.ts';
import { parse, requireExisting, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { version } from '../version.ts';

export const help = `Usage: broapt daemon [options]

The remote detection daemon (the reference's BroAPT-Daemon). App sides whose
api.yml marks an app \`remote: true\` send it scan requests naming a file in
the dump folder they share and its MIME type; the daemon runs the app its OWN
api.yml assigns to that MIME (commands are never taken from a request) and
answers with the report. Also serves a status dashboard at /, server-sent
events at /events, Prometheus metrics at /metrics and /healthz.

Routes: POST /api/v1.0/scan {"name": "<file relative to the dump folder>",
"mime": "<media/subtype>"}, GET /api/v1.0/list, GET /api/v1.0/report/<id>,
DELETE /api/v1.0/delete/<id>. Every route but /, its assets and /healthz needs
\`Authorization: Bearer <BROAPT_DAEMON_TOKEN>\`; the dashboard takes the token
as /#token=<token> (kept in the tab, never sent in a URL).

Options:
  -e, --env FILE          dotenv file; its variables win over the environment.
                          Without it, /etc/sysconfig/broaptd (the reference's)
                          is read when it exists, the environment winning
  -t, --host HOST         BROAPT_SERVER_HOST  address to listen on       [127.0.0.1]
  -p, --port PORT         BROAPT_SERVER_PORT  port (0: any free one)     [5000]
      --insecure-loopback                     run without a token; only on a loopback host
      --max-body BYTES    BROAPT_DAEMON_MAX_BODY  largest request body   [65536]
      --client-limit N    BROAPT_DAEMON_CLIENT_LIMIT  requests at once per client [8]
      --connection-limit N  BROAPT_DAEMON_CONNECTION_LIMIT  connections one
                          address may hold, checked before authentication [32]
      --header-timeout SECONDS  BROAPT_DAEMON_HEADER_TIMEOUT  time a connection
                          has to send its request's headers [10]
  -f, --docker-compose FILE                   the reference's (broaptd); accepted, not used
  -s, --sleep-interval SECONDS                the reference's name of --interval
  -v, --version                               print the version
  BROAPT_DAEMON_TOKEN_FILE  a file holding the bearer token (at least 16
                          characters) on its first line: the way to give it, as
                          /proc/<pid>/environ shows what the environment held.
  BROAPT_DAEMON_TOKEN     the token itself, in the environment or the --env file
                          (never a flag: it would show in ps). One of the two is
                          required unless --insecure-loopback; both are hidden
                          from the apps' commands.

Short flags as in the reference: -d --dump-path, -l --logs-path, -r --api-root,
-a --api-logs, -i --interval, -m --max-retry.

App sides reach the daemon at BROAPT_NAME_HOST:BROAPT_NAME_PORT, or the
reference's SERVER_NAME_HOST:SERVER_NAME_PORT [localhost:5000].

${SETTING_HELP}

${REDIS_HELP}
                      with --redis, the dashboard and /metrics also show the
                      deployment's workers (results stream and queue)

Prints "listening on http://HOST:PORT" on stdout once it takes requests.
SIGUSR1, SIGTERM or SIGINT: stop taking scans, let running ones answer, exit 0.

Examples:
  (umask 077; openssl rand -hex 24 > /etc/broapt/daemon.token)
  BROAPT_DAEMON_TOKEN_FILE=/etc/broapt/daemon.token broapt daemon -d /srv/zeek/extract_files -r /etc/broapt
  broapt daemon --env /etc/broapt/daemon.env --host 0.0.0.0
`;

const OPTIONS = {
  ...SETTING_OPTIONS,
  ...REDIS_OPTIONS,
  env: { type: 'string', short: 'e' },
  host: { type: 'string', short: 't' },
  port: { type: 'string', short: 'p' },
  'docker-compose': { type: 'string', short: 'f' },
  'sleep-interval': { type: 'string', short: 's' },
  'insecure-loopback': { type: 'boolean' },
  version: { type: 'boolean', short: 'v' },
  'max-body': { type: 'string' },
  'client-limit': { type: 'string' },
  'connection-limit': { type: 'string' },
  'header-timeout': { type: 'string' },
  'dump-path': { type: 'string', short: 'd' },
  'logs-path': { type: 'string', short: 'l' },
  'api-root': { type: 'string', short: 'r' },
  'api-logs': { type: 'string', short: 'a' },
  interval: { type: 'string', short: 'i' },
  'max-retry': { type: 'string', short: 'm' },
} as const;

/** The reference broaptd's environment file, read when no --env is given. */
const SYSCONFIG = '/etc/sysconfig/broaptd';

/** Tokens shorter than this are guessable over a network. */
const MIN_TOKEN = 16;

export async function run(args: string[]): Promise<number> {
  const { values } = parse('daemon', args, OPTIONS, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`broapt ${version()}\n`);
    return 0;
  }
  // Set by whoever started the process, hence in /proc/<pid>/environ; a dotenv file's variables are not.
  const inherited = Boolean(process.env.BROAPT_DAEMON_TOKEN?.trim());
  if (values.env !== undefined) Object.assign(process.env, readDotenv(values.env));
  else if (existsSync(SYSCONFIG)) for (const [name, value] of Object.entries(readDotenv(SYSCONFIG))) process.env[name] ??= value;
  values.interval ??= values['sleep-interval'];
  const env = process.env;
  const host = pick(values.host, '--host', env, ['BROAPT_SERVER_HOST'])?.value ?? '127.0.0.1';
  const port = number(pick(values.port, '--port', env, ['BROAPT_SERVER_PORT']), 5000, { integer: true, min: 0 });
  if (port > 65535) throw new UsageError(`port ${port} is not valid: give 0-65535 with --port or BROAPT_SERVER_PORT.`, 'E_SETTING');
  const maxBodyBytes = number(pick(values['max-body'], '--max-body', env, ['BROAPT_DAEMON_MAX_BODY']), 65_536, { integer: true, min: 256 });
  const clientLimit = number(pick(values['client-limit'], '--client-limit', env, ['BROAPT_DAEMON_CLIENT_LIMIT']), 8, { integer: true, min: 1 });
  const connectionLimit = number(pick(values['connection-limit'], '--connection-limit', env, ['BROAPT_DAEMON_CONNECTION_LIMIT']), 32, { integer: true, min: 1 });
  const headerTimeoutMs = number(pick(values['header-timeout'], '--header-timeout', env, ['BROAPT_DAEMON_HEADER_TIMEOUT']), 10, { integer: false, min: 0.1 }) * 1000;
  const source = tokenFrom(env);
  const { token } = source;
  // The apps analyse hostile files: their commands must not inherit the key to this daemon, nor where it is kept.
  delete process.env.BROAPT_DAEMON_TOKEN;
  delete process.env.BROAPT_DAEMON_TOKEN_FILE;
  checkAccess(token, host, values['insecure-loopback'] === true);
  const settings = settingsFrom(values);
  requireExisting([settings.dumpPath], 'folder');
  const logger = createLogger(values['log-level'] === undefined ? {} : { level: values['log-level'] });
  if (values['docker-compose'] !== undefined) logger.warn('--docker-compose is the reference\'s; this daemon runs its apps itself and ignores it');
  const session = await openSession(settings, { logger });
  session.processor.on('record', (record) => {
    const line = detectionLine(record);
    if (line !== undefined) process.stderr.write(`${line}\n`);
  });
  const cluster = resolveRedisSettings({ url: values.redis, prefix: values.prefix });
  const daemon = await startDaemon(session, { host, port, token, maxBodyBytes, clientLimit, connectionLimit, headerTimeoutMs, cluster }).catch(async (error: unknown) => {
    await session.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UsageError(`cannot listen on ${host}:${port} (${code}): choose another --port / BROAPT_SERVER_PORT or --host.`, 'E_LISTEN');
    }
    throw error;
  });
  if (token === undefined) logger.warn({ url: daemon.url }, 'no token (--insecure-loopback): any local user can run scans');
  if (inherited) logger.warn('BROAPT_DAEMON_TOKEN came in the environment: processes of this user (host-runner apps included) can read it in /proc/<pid>/environ; give BROAPT_DAEMON_TOKEN_FILE instead');
  if (source.shared) logger.warn('BROAPT_DAEMON_TOKEN_FILE is readable by its group or others: chmod 600 it');
  logger.info({ url: daemon.url, dumpPath: settings.dumpPath, api: session.config.file }, 'daemon listening');
  process.stdout.write(`listening on ${daemon.url}\n`);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      session.processor.stopIntake();
      session.processor.idle().then(() => {
        remove();
        resolve();
      });
    };
    // A daemon that cannot write its logs would answer every scan with nothing: it stops as on a signal.
    session.processor.once('logsFailed', stop);
    const remove = onStopSignal(
      (signal) => {
        logger.info({ signal, running: session.processor.active }, 'stopping: no new scans; waiting for running ones');
        stop();
      },
      (signal) => {
        session.killRunning();
        process.exit(128 + (os.constants.signals[signal] ?? 2));
      },
    );
  });
  await daemon.close();
  const logFailure = session.processor.logFailure;
  await session.close().catch((error: unknown) => {
    if (logFailure === undefined) throw error;
  });
  if (logFailure !== undefined) throw logsFailedError(logFailure, session.processor.unrecorded);
  return 0;
}

function readDotenv(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the --env file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}): give a readable dotenv file.`, 'E_ENV_FILE');
  }
  return Object.fromEntries(Object.entries(parseEnv(text)).filter((pair): pair is [string, string] => pair[1] !== undefined));
}

/** Secure by default: a token, or an explicit and local-only opt-out. */
function checkAccess(token: string | undefined, host: string, insecureLoopback: boolean): void {
  if (token !== undefined) {
    if (token.length < MIN_TOKEN) throw new UsageError(`BROAPT_DAEMON_TOKEN is ${token.length} characters: use at least ${MIN_TOKEN} (e.g. openssl rand -hex 24).`, 'E_TOKEN');
    return;
  }
  if (!insecureLoopback) {
    throw new UsageError('set BROAPT_DAEMON_TOKEN_FILE to a file holding a token (at least 16 characters, e.g. openssl rand -hex 24 > FILE), or BROAPT_DAEMON_TOKEN in the environment or the --env file; to run without one on this machine only, pass --insecure-loopback.', 'E_TOKEN');
  }
  if (!isLoopback(host)) {
    throw new UsageError(`--insecure-loopback only binds to a loopback address, and ${host} is not one: set BROAPT_DAEMON_TOKEN to listen there.`, 'E_TOKEN');
  }
}
