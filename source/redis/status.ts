import { GROUP, type Connection } from './connection.ts';

export interface ConsumerStatus {
  name: string;
  /** Files delivered to it and not yet acknowledged. */
  pending: number;
  /** Milliseconds since it last read or claimed. */
  idleMs: number;
}

export interface ClusterStatus {
  /** Files in the queue not yet delivered to a worker. */
  waiting: number;
  /** Files delivered and not yet acknowledged: running, or held by a worker that died. */
  pending: number;
  consumers: ConsumerStatus[];
  done: number;
  failed: number;
  /** Of the failed: given up after too many deliveries. */
  dead: number;
  /** Files answered from the result cache. */
  cached: number;
  /** Files finished per second over the last 10 and 60 seconds. */
  rate10: number;
  rate60: number;
}

function field(info: unknown[], name: string): unknown {
  const at = info.indexOf(name);
  return at === -1 ? undefined : info[at + 1];
}

/** A snapshot of the deployment: queue, workers, outcomes and rate. */
export async function clusterStatus({ redis, keys }: Connection): Promise<ClusterStatus> {
  const now = Math.floor(Date.now() / 1000);
  const rateKeys = Array.from({ length: 60 }, (_, i) => `${keys.rate}${now - 1 - i}`);
  const [length, counts, rates, consumers] = await Promise.all([
    redis.xlen(keys.queue),
    redis.hgetall(keys.counts),
    redis.mget(...rateKeys),
    (redis.xinfo('CONSUMERS', keys.queue, GROUP) as Promise<unknown[][]>).catch(() => []),
  ]);
  const list = consumers.map((info) => ({ name: String(field(info, 'name')), pending: Number(field(info, 'pending')), idleMs: Number(field(info, 'idle')) }));
  const pending = list.reduce((sum, c) => sum + c.pending, 0);
  const perSecond = rates.map((value) => Number(value ?? 0));
  const sum = (n: number) => perSecond.slice(0, n).reduce((a, b) => a + b, 0);
  const count = (name: string) => Number(counts[name] ?? 0);
  return {
    waiting: Math.max(0, length - pending),
    pending,
    consumers: list,
    done: count('done'),
    failed: count('failed'),
    dead: count('dead'),
    cached: count('cached'),
    rate10: sum(10) / 10,
    rate60: sum(60) / 60,
  };
}

export function formatStatus(status: ClusterStatus, where: string): string {
  const lines = [
    `queue ${where}`,
    `  waiting    ${status.waiting}`,
    `  running    ${status.pending} (delivered, not yet acknowledged)`,
    ...status.consumers.map((c) => `    ${c.name}  ${c.pending} pending, idle ${(c.idleMs / 1000).toFixed(1)} s`),
    `processed    ${status.done} done, ${status.failed} failed (${status.dead} dead-lettered), ${status.cached} answered from the cache`,
    `rate         ${status.rate10.toFixed(1)} files/s over 10 s, ${status.rate60.toFixed(1)} files/s over 60 s`,
  ];
  return `${lines.join('\n')}\n`;
}
