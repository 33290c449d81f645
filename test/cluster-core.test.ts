import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { requireFixtures } from './helpers/fixtures.ts';
import { useRedis } from './helpers/redis.ts';
import { runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const server = useRedis();

describe('cluster mode: the core side', () => {
  test('run --redis extracts and queues every file without analysing it; a worker analyses them from the queue', async (context) => {
    const fixtures = requireFixtures(context);
    const w = ws();
    const runs = path.join(w.dir, 'runs');
    await w.writeApi('example:\n  report: printf "%s\\n" "$BROAPT_PATH" >> "$RUNS"\n');
    const prefix = server().prefix();
    const env = { ...w.env, BROAPT_REDIS_URL: server().url, BROAPT_REDIS_PREFIX: prefix, RUNS: runs };
    const pcap = path.join(fixtures, 'pcaps/strelka/test.pcap');

    const core = await runCli(['run', '--engine', 'tshark', pcap], env);
    expect(core.code).toBe(0);
    // Nothing ran here: the files wait in the work queue, the capture is recorded as handed off.
    expect(await fs.readFile(runs, 'utf8').catch(() => '')).toBe('');
    expect(await server().client().xlen(`${prefix}queue`)).toBe(3);
    expect(await w.readLines('processed_pcaps.log' as 'dump.log')).toEqual([pcap]);

    const worker = startCli(['watch', '--jobs', '1'], env);
    try {
      await waitFor(async () => (await fs.readFile(runs, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean).length === 3, 30_000, 'the worker to analyse the queued files');
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
    }
    const analysed = (await fs.readFile(runs, 'utf8')).trim().split('\n').map((file) => path.basename(file)).sort();
    expect(analysed.map((name) => name.split('.').slice(-3).join('.'))).toEqual(['application.x-msdownload.exe', 'application.xml.xml', 'image.jpeg.jpg']);
  });

  test('a Redis URL that is not one is refused before any capture', async (context) => {
    const fixtures = requireFixtures(context);
    const w = ws();
    await w.writeApi('example:\n  report: "true"\n');
    const result = await runCli(['run', '--engine', 'tshark', '--redis', 'http://nope', path.join(fixtures, 'pcaps/strelka/test.pcap')], w.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not a Redis URL');
  });
});
