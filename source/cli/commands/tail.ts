import { UsageError } from '../../errors.ts';
import { onStopSignal } from '../../pipeline/shutdown.ts';
import { connectOnce } from '../../redis/connection.ts';
import { REDIS_HELP, REDIS_OPTIONS, requireRedisSettings } from '../../redis/settings.ts';
import { followResults } from '../../redis/tail.ts';
import { parse } from '../options.ts';

export const help = `Usage: broapt tail [options]

Follow a cluster deployment's results stream: print each file's record (the
processed.jsonl shape, as JSON on one line) as the workers finish it, until
SIGINT or SIGTERM. The stream keeps the last BROAPT_REDIS_RESULTS records [100000].

Options:
  --from-start        print the records the stream holds first
  --count N           exit after N records

${REDIS_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values } = parse(
    'tail',
    args,
    { ...REDIS_OPTIONS, 'from-start': { type: 'boolean' }, count: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    false,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const count = values.count === undefined ? Number.POSITIVE_INFINITY : Number(values.count);
  if (values.count !== undefined && (!Number.isInteger(count) || count < 1)) throw new UsageError(`--count ${JSON.stringify(values.count)} is not valid: give a whole number of at least 1.`);
  const redis = requireRedisSettings('tail', { url: values.redis, prefix: values.prefix });
  const connection = await connectOnce(redis.url, redis.prefix, 'broapt:tail');
  let stopped = false;
  const removeSignals = onStopSignal(
    () => (stopped = true),
    () => process.exit(0),
  );
  try {
    let printed = 0;
    for await (const record of followResults(connection, { fromStart: values['from-start'] === true, stopped: () => stopped || printed >= count })) {
      process.stdout.write(`${record}\n`);
      if (++printed >= count) break;
    }
    return 0;
  } finally {
    removeSignals();
    connection.redis.disconnect();
  }
}
