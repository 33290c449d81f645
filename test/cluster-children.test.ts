import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { eicar, zipOf } from '../source/demo/samples.ts';
import { childFuid } from '../source/report/children.ts';
import { useRedis } from './helpers/redis.ts';
import { broaptName, runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const server = useRedis();

describe('archive members in cluster mode', () => {
  it('keep their own parent when answered from the result cache, and reach the results stream', { timeout: 300_000 }, async () => {
    const w = ws();
    const prefix = server().prefix();
    const redis = server().client();
    const env = { ...w.env, BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(w.dir, 'cache'), BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: prefix, BROAPT_SETTLE_TIME: '0' };
    // One EICAR three times: on its own, and as members of two archives under other names.
    await w.addFile(broaptName(1, 'text/plain', 'txt'), eicar());
    await w.addFile(broaptName(2, 'application/zip', 'zip'), zipOf([['eicar.com', eicar()]]));
    await w.addFile(broaptName(3, 'application/zip', 'zip'), zipOf([['docs/other.txt', eicar()]]));
    expect((await runCli(['enqueue'], env)).code).toBe(0);
    const worker = startCli(['watch', '--jobs', '1'], env);
    try {
      await waitFor(async () => (await redis.hlen(`${prefix}processed`)) >= 5, 240_000, 'the 3 files and their 2 members processed');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    const records = await w.records();
    const byFuid = new Map(records.map((r) => [r.fuid, r]));
    expect(byFuid.get('F00000000000000001')).not.toHaveProperty('parentFuid');
    expect(byFuid.get(childFuid('F00000000000000002', 'eicar.com'))).toMatchObject({ parentFuid: 'F00000000000000002', archivePath: 'eicar.com', verdict: 'malicious' });
    expect(byFuid.get(childFuid('F00000000000000003', 'docs/other.txt'))).toMatchObject({ parentFuid: 'F00000000000000003', archivePath: 'docs/other.txt', verdict: 'malicious' });
    expect(records.filter((r) => r.cachedFrom !== undefined).length).toBeGreaterThan(0);
    // Every record, members included, is on the results stream that `broapt tail` and the daemon's dashboard follow.
    const published = (await redis.xrange(`${prefix}results`, '-', '+')).map(([, fields]) => (JSON.parse(fields[1]!) as { fuid: string }).fuid);
    expect(published.sort()).toEqual(records.map((r) => r.fuid as string).sort());
  });
});
