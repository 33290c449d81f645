import { statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.ts';
import { connectOnce, redactUrl } from '../../redis/connection.ts';
import { StreamQueue } from '../../redis/queue.ts';
import { enqueueFolder, inFolder } from '../../redis/reconciler.ts';
import { REDIS_HELP, REDIS_OPTIONS, requireRedisSettings } from '../../redis/settings.ts';
import { parse, requireExisting, SETTING_OPTIONS, settingsFrom } from '../options.ts';

export const help = `Usage: broapt enqueue [options] [PATH...]

Put every regular file under PATH (default: the dump folder) that is neither
processed nor already queued into a cluster deployment's Redis queue, for the
app workers (\`broapt watch --redis URL\`) to take. Safe to run any time and
as often as wanted: a file is never queued twice. While BROAPT_REDIS_MAX_QUEUE
files [100000] are waiting or running it waits (backpressure). Prints how many
files it queued; exit 2 when Redis cannot be reached.

Options:
  --retry-failed                           queue files that failed again
  --dump-path DIR     BROAPT_DUMP_PATH     folder Zeek extracts files into      [./extract_files]
  --logs-path DIR     BROAPT_LOGS_PATH     left out when inside the dump folder [./logs]

${REDIS_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('enqueue', args, { ...SETTING_OPTIONS, ...REDIS_OPTIONS });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  const redis = requireRedisSettings('enqueue', { url: values.redis, prefix: values.prefix });
  const paths = positionals.length > 0 ? positionals : [settings.dumpPath];
  requireExisting(paths, 'file or folder');
  const root = await realpath(settings.dumpPath).catch(() => undefined);
  for (const p of paths) {
    // The workers take only files in the dump folder; a path they would refuse is a mistake to say now.
    if (root === undefined || !(await inFolder(root, statSync(p).isDirectory() ? p : path.dirname(p)))) {
      throw new UsageError(`${p} is not in the dump folder ${settings.dumpPath}: workers analyse only files in it. Give paths inside it, or point --dump-path (BROAPT_DUMP_PATH) at the folder they share.`, 'E_OUTSIDE_DUMP');
    }
  }
  const connection = await connectOnce(redis.url, redis.prefix, 'broapt:enqueue');
  try {
    const queue = new StreamQueue(connection);
    await queue.ensureGroup();
    const counts = await enqueueFolder(queue, paths, {
      exclude: [settings.logsPath, settings.apiLogs],
      retryFailed: values['retry-failed'] === true,
      maxQueue: redis.maxQueue,
    });
    process.stdout.write(
      `queued ${counts.added} of ${counts.listed} files on ${redactUrl(redis.url)} (${redis.prefix}queue); ` +
        `${counts.processed} already processed, ${counts.queued} already queued\n`,
    );
    return 0;
  } finally {
    connection.redis.disconnect();
  }
}
