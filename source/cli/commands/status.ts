import { connectOnce, redactUrl } from '../../redis/connection.ts';
import { REDIS_HELP, REDIS_OPTIONS, requireRedisSettings } from '../../redis/settings.ts';
import { clusterStatus, formatStatus } from '../../redis/status.ts';
import { parse } from '../options.ts';

export const help = `Usage: broapt status [options]

Print a cluster deployment's state: files waiting in the queue, files running
per worker (consumer) and how long each worker has been idle, files done,
failed and dead-lettered, files answered from the result cache, and the rate
over the last 10 and 60 seconds. Exit 2 when Redis cannot be reached.

Options:
  --json              print one JSON object

${REDIS_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse('status', args, { ...REDIS_OPTIONS, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const redis = requireRedisSettings('status', { url: values.redis, prefix: values.prefix });
  const connection = await connectOnce(redis.url, redis.prefix, 'broapt:status');
  try {
    const status = await clusterStatus(connection);
    process.stdout.write(values.json ? `${JSON.stringify(status)}\n` : formatStatus(status, `${redactUrl(redis.url)} ${redis.prefix}`));
    return 0;
  } finally {
    connection.redis.disconnect();
  }
}
