import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addSample, EICAR_API, EICAR_HASHES, fuidOf } from './helpers/alerts.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { useRedis } from './helpers/redis.ts';
import { runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const redis = useRedis();

type Doc = Record<string, any>;

async function ecsDocs(file: string): Promise<Doc[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Doc);
}

describe('the output stage in every mode', () => {
  it('run: a file extracted from a capture alerts with the connection from that capture\'s files.log', async (context) => {
    const fixtures = requireFixtures(context);
    await ws().writeApi(`
example:
  report: echo '{"verdict":"malicious","score":90,"findings":[{"rule":"every_file","description":"test","severity":"high"}]}'
`);
    const ecs = path.join(ws().dir, 'ecs.ndjson');
    const result = await runCli(['run', '--engine', 'tshark', path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap')], { ...ws().env, BROAPT_ECS_LOG: ecs });
    expect(result.code, result.stderr).toBe(0);
    const [doc, ...rest] = await ecsDocs(ecs);
    expect(rest).toEqual([]);
    expect(doc).toMatchObject({
      event: { kind: 'alert' },
      file: { hash: { md5: '397168fd09991a0e712254df7bc639ac', sha256: '4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18' } },
      related: { ip: ['192.150.187.43'] },
      network: { protocol: 'http' },
      broapt: { pcap: 'get', sender: '192.150.187.43', verdict: 'malicious' },
    });
    expect(result.stderr).toMatch(/^detection: MALICIOUS 90 \S+HTTP-\S+\.get\.text\.plain\.txt fuid=\S+ sha256=4e7c7ef0\S+ every_file$/m);
  }, 120_000);

  it('a cluster worker (watch --redis) sends its records to the outputs and prints its detections', async () => {
    await ws().writeApi(EICAR_API);
    await addSample(ws(), 1, true);
    await addSample(ws(), 2, false);
    const ecs = path.join(ws().dir, 'ecs.ndjson');
    const worker = startCli(['watch', '--jobs', '1'], {
      ...ws().env,
      BROAPT_REDIS_URL: redis().url,
      BROAPT_REDIS_PREFIX: 'alerts:',
      BROAPT_SETTLE_TIME: '0',
      BROAPT_REDIS_RECONCILE: '30',
      BROAPT_ECS_LOG: ecs,
    });
    try {
      expect((await runCli(['enqueue'], { ...ws().env, BROAPT_REDIS_URL: redis().url, BROAPT_REDIS_PREFIX: 'alerts:' })).code).toBe(0);
      await waitFor(async () => (await ecsDocs(ecs)).length === 2, 30_000, 'both records in the ECS log');
    } finally {
      worker.child.kill('SIGTERM');
    }
    expect((await worker.done).code).toBe(0);
    const docs = await ecsDocs(ecs);
    expect(docs.find((doc) => doc.broapt.fuid === fuidOf(1))).toMatchObject({ event: { kind: 'alert' }, file: { hash: EICAR_HASHES } });
    expect(docs.find((doc) => doc.broapt.fuid === fuidOf(2))).toMatchObject({ event: { kind: 'event' } });
    expect(worker.stderr()).toContain(`detection: MALICIOUS 100 `);
  }, 90_000);
});
