import path from 'node:path';
import { formatOutputs, spooledOutputs } from '../../outputs/status.ts';
import { connectOnce, redactUrl } from '../../redis/connection.ts';
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

Options:
  --json              print one JSON object
  --logs-path DIR     BROAPT_LOGS_PATH     the logs folder holding spool/    [./logs]

${REDIS_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse('status', args, { ...REDIS_OPTIONS, json: { type: 'boolean' }, 'logs-path': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const outputs = await spooledOutputs(path.resolve(pick(values['logs-path'], '--logs-path', process.env, ['BROAPT_LOGS_PATH'])?.value ?? 'logs'));
  const flags = { url: values.redis, prefix: values.prefix };
  // A deployment without Redis still has outputs to report on; with neither, say what status needs.
  if (resolveRedisSettings(flags) === undefined && outputs.length > 0) {
    process.stdout.write(values.json ? `${JSON.stringify({ outputs })}\n` : formatOutputs(outputs));
    return 0;
  }
  const redis = requireRedisSettings('status', flags);
  const connection = await connectOnce(redis.url, redis.prefix, 'broapt:status');
  try {
    const status = await clusterStatus(connection);
    process.stdout.write(values.json ? `${JSON.stringify({ ...status, outputs })}\n` : formatStatus(status, `${redactUrl(redis.url)} ${redis.prefix}`) + formatOutputs(outputs));
    return 0;
  } finally {
    connection.redis.disconnect();
  }
}
