import type { Logger } from '../log.ts';
import type { Load } from '../metrics/board.ts';
import type { FileRecord } from '../pipeline/record.ts';
import { connect, connectOnce } from '../redis/connection.ts';
import type { RedisSettings } from '../redis/settings.ts';
import { clusterStatus } from '../redis/status.ts';
import { followResults } from '../redis/tail.ts';

/** How often the queue's state is read: the dashboard's counters lag by at most this. */
const POLL_MS = 1000;

export interface ClusterFeed {
  /** The deployment's files waiting in the queue and delivered to a worker, as last read. */
  load(): Load;
  stop(): Promise<void>;
}

/**
 * Redis mode: every worker of the deployment runs its own processor and puts
 * each record on the results stream. The daemon follows that stream (from its
 * start, as far as Redis keeps it) into the same StatusBoard and metrics its
 * own processor feeds, and reads the queue's depth and running files, so the
 * dashboard shows the whole deployment the way it shows the embedded default.
 */
export async function followCluster(settings: RedisSettings, onRecord: (record: FileRecord) => void, logger: Logger): Promise<ClusterFeed> {
  // One-shot first: an unreachable Redis stops the start-up with what to do.
  const status = await connectOnce(settings.url, settings.prefix, 'broapt:daemon:status');
  const reader = connect(settings.url, settings.prefix, { persistent: true, name: 'broapt:daemon:results', logger });
  let load: Load = { queued: 0, running: 0 };
  let stopped = false;
  let warned = false;
  const poll = async () => {
    try {
      const state = await clusterStatus(status);
      load = { queued: state.waiting, running: state.pending };
      warned = false;
    } catch (error) {
      if (!warned) logger.warn({ err: error }, 'cannot read the cluster queue state; the dashboard shows the last one');
      warned = true;
    }
  };
  await poll();
  const timer = setInterval(() => void poll(), POLL_MS);
  const following = (async () => {
    for await (const line of followResults(reader, { fromStart: true, stopped: () => stopped })) {
      try {
        onRecord(JSON.parse(line) as FileRecord);
      } catch (error) {
        logger.warn({ err: error }, 'skipped a results-stream entry that is no record');
      }
    }
  })().catch((error: unknown) => {
    if (!stopped) logger.error({ err: error }, 'stopped following the cluster results stream');
  });
  return {
    load: () => load,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await following;
      reader.redis.disconnect();
      status.redis.disconnect();
    },
  };
}
