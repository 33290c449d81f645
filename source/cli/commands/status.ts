import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { formatOutputs, spooledOutputs } from '../../outputs/status.ts';
import { connectOnce, redactUrl } from '../../redis/connection.ts';
import { isAlive, ROLES, type Role } from '../../redis/heartbeat.ts';
import { REDIS_HELP, REDIS_OPTIONS, requireRedisSettings, resolveRedisSettings } from '../../redis/settings.ts';
import { clusterStatus, formatStatus } from '../../redis/status.ts';
import { pick } from '../../settings.ts';
import { parse } from '../options.ts';

export const help = `Usage: broapt status [options]

Print a cluster deployment's state: files waiting in the queue, files running
per worker (consumer) and how long each worker has been idle, files done,
failed and dead-lettered, files answered from the result cache, and the rate
over the last 10 and 60 seconds. Exit 2 when Redis cannot be reached.

Also print, per output (webhook, syslog, ecs-log, elastic, intel, command,
quarantine; docs/alerts.md) of each process that wrote to the logs folder, the
deliveries pending in its spool, the failed attempts, the ones delivered and
the ones refused for good. Without Redis, only those are printed.

With --alive, the healthcheck of a container (docker-compose.yml): exit 0 only
when a ROLE service runs on this host and reaches Redis (each core and worker
refreshes its heartbeat every 5 s; it lapses after 15 s), 1 otherwise.

Options:
  --json              print one JSON object
  --logs-path DIR     BROAPT_LOGS_PATH     the logs folder holding spool/    [./logs]
  --alive ROLE        core (watch-pcaps or run with --redis) or worker (watch
                      with --redis): is one running on this host?

${REDIS_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse('status', args, { ...REDIS_OPTIONS, json: { type: 'boolean' }, 'logs-path': { type: 'string' }, alive: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const role = values.alive;
  if (role !== undefined && !(ROLES as readonly string[]).includes(role)) throw new UsageError(`--alive ${JSON.stringify(role)}: give core or worker.`, 'E_ROLE');
  const flags = { url: values.redis, prefix: values.prefix };
  // The healthcheck asks Redis only: a spool on the logs volume says nothing of this container.
  const outputs = role === undefined ? await spooledOutputs(path.resolve(pick(values['logs-path'], '--logs-path', process.env, ['BROAPT_LOGS_PATH'])?.value ?? 'logs')) : [];
  // A deployment without Redis still has outputs to report on; with neither, say what status needs.
  if (role === undefined && resolveRedisSettings(flags) === undefined && outputs.length > 0) {
    process.stdout.write(values.json ? `${JSON.stringify({ outputs })}\n` : formatOutputs(outputs));
    return 0;
  }
  const redis = requireRedisSettings('status', flags);
  const connection = await connectOnce(redis.url, redis.prefix, 'broapt:status');
  try {
    if (role !== undefined) return await aliveCheck(connection, role as Role);
    const status = await clusterStatus(connection);
    process.stdout.write(values.json ? `${JSON.stringify({ ...status, outputs })}\n` : formatStatus(status, `${redactUrl(redis.url)} ${redis.prefix}`) + formatOutputs(outputs));
    return 0;
  } finally {
    connection.redis.disconnect();
  }
}

async function aliveCheck(connection: Parameters<typeof isAlive>[0], role: Role): Promise<number> {
  if (await isAlive(connection, role)) return 0;
  process.stderr.write(`broapt status: no ${role} alive on ${os.hostname()}: none has refreshed its heartbeat in Redis for 15 s (stopped, stuck, or cut off from Redis); see its log.\n`);
  return 1;
}
