import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();

/** Every file is found malicious through $BROAPT_REPORT, the report path derived from the API log's name. */
const API = `
example:
  report: 'printf "%s" "{\\"verdict\\":\\"malicious\\",\\"score\\":90}" > "$BROAPT_REPORT"'
`;

describe('file names the file system takes but a log name or a string cannot carry', () => {
  it('analyses a file whose name is not UTF-8, once, through an alias whose name is', async () => {
    await ws().writeApi(API);
    const raw = Buffer.concat([Buffer.from(`${ws().dump}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('-name.txt')]);
    await fs.writeFile(raw, 'hello');
    const first = await runCli(['scan'], ws().env);
    expect(first.stdout).toMatch(/: 1 done, 0 failed, 0 skipped\n/);
    expect(first.code).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ status: 'done', verdict: 'malicious' });
    const alias = record!.path as string;
    expect(alias).toBe(path.join(ws().dump, 'bad-%FF%FE-name.txt'));
    // The alias is the same file, not a copy.
    expect((await fs.stat(alias)).ino).toBe((await fs.stat(raw)).ino);
    const rerun = await runCli(['scan'], ws().env);
    expect(rerun.stdout).toMatch(/: 0 done, 0 failed, 1 skipped \(1 already processed\)\n/);
    expect(rerun.stderr).not.toContain('missing');
  });

  it('watch takes such a file when it appears, without reporting it missing', async () => {
    await ws().writeApi(API);
    // No periodic rescan within the test: the file event alone must lead to the file.
    const run = startCli(['watch', '--settle-time', '0.1'], { ...ws().env, BROAPT_INTERVAL: '600', BROAPT_LOG_LEVEL: 'info' });
    try {
      await waitFor(() => run.stderr().includes('watching'), 20_000, 'the watch to start');
      await fs.writeFile(Buffer.concat([Buffer.from(`${ws().dump}/late-`), Buffer.from([0xc3, 0x28]), Buffer.from('.txt')]), 'hello');
      await waitFor(async () => (await ws().readLines('dump.log')).length === 1, 20_000, 'the file');
    } finally {
      run.child.kill('SIGTERM');
    }
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(await ws().readLines('dump.log')).toEqual([path.join(ws().dump, 'late-%C3(.txt')]);
    expect(result.stderr).not.toContain('missing');
  });

  it('analyses a 255-byte BroAPT name whose fuid is too long for an API log name', async () => {
    await ws().writeApi(API);
    const tail = '.t.p.x';
    const name = `HTTP-F${'x'.repeat(255 - 'HTTP-F'.length - tail.length)}${tail}`;
    expect(Buffer.byteLength(name)).toBe(255);
    await ws().addFile(name, 'hello');
    const result = await runCli(['scan'], ws().env);
    expect(result.stdout).toMatch(/: 1 done, 0 failed/);
    const [record] = await ws().records();
    expect(record).toMatchObject({ status: 'done', verdict: 'malicious', fuid: `F${'x'.repeat(243)}` });
    const log = (record!.commands as Array<{ log: string }>)[0]!.log;
    expect(existsSync(log)).toBe(true);
    expect(Buffer.byteLength(`${path.basename(log)}.children`)).toBeLessThanOrEqual(255);
  });
});
