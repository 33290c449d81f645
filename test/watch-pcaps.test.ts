import { copyFile, mkdir, readdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { requireFixtures } from './helpers/fixtures.ts';
import { runCli, startCli, useWorkspace, waitFor, type Workspace } from './helpers/workspace.ts';

const workspace = useWorkspace();
const API = `
example:
  report: 'true'
`;

/** Moves a capture in whole, as a rotating capture tool would. */
async function dropCapture(ws: Workspace, folder: string, source: string, name: string): Promise<string> {
  const staging = path.join(ws.dir, name);
  await copyFile(source, staging);
  const target = path.join(folder, name);
  await rename(staging, target);
  return target;
}

const lines = (ws: Workspace, name: string) => ws.readLines(name as 'dump.log');

describe('broapt watch-pcaps', () => {
  test('takes captures present and arriving; SIGUSR1 stops the dump loop, SIGUSR2 the logs loop, as in the reference', async (context) => {
    const fixtures = requireFixtures(context);
    const ws = workspace();
    await ws.writeApi(API);
    const folder = path.join(ws.dir, 'captures');
    await mkdir(folder);
    const first = await dropCapture(ws, folder, path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'), 'first.pcap');
    const cli = startCli(['watch-pcaps', '--engine', 'tshark', '--settle-time', '0.1', folder], { ...ws.env, BROAPT_LOG_LEVEL: 'info' });
    await waitFor(async () => (await lines(ws, 'processed_pcaps.log')).length === 1, 20_000, 'the capture present at start');
    expect(await lines(ws, 'processed_pcaps.log')).toEqual([first]);

    const second = await dropCapture(ws, folder, path.join(fixtures, 'pcaps/strelka/test.pcap'), 'second.pcap');
    await waitFor(async () => (await lines(ws, 'processed_pcaps.log')).length === 2, 20_000, 'the capture that arrived');
    expect((await lines(ws, 'dump.log')).length).toBe(4);

    // Dump loop stopped: a new capture is still extracted, but nothing is analysed, so it is not recorded.
    cli.child.kill('SIGUSR1');
    await waitFor(() => cli.stderr().includes('stopping'), 10_000, 'the dump loop to stop');
    await dropCapture(ws, folder, path.join(fixtures, 'pcaps/zeek-btest-traces/http/flash-version.pcap'), 'third.pcap');
    await waitFor(async () => (await readdir(ws.logs)).some((name) => name.startsWith('third-')), 20_000, 'the third capture to be extracted');
    cli.child.kill('SIGUSR2');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(await lines(ws, 'processed_pcaps.log')).toEqual([first, second]);
    expect((await lines(ws, 'dump.log')).length).toBe(4);

    // The next run takes the capture the stop left unrecorded.
    const again = await runCli(['run', '--engine', 'tshark', folder], ws.env);
    expect(again.code).toBe(0);
    expect((await lines(ws, 'processed_pcaps.log')).length).toBe(3);
    expect((await lines(ws, 'dump.log')).length).toBe(5);
  });

  test('SIGTERM stops both loops and exits 0', async () => {
    const ws = workspace();
    await ws.writeApi(API);
    const folder = path.join(ws.dir, 'captures');
    await mkdir(folder);
    const cli = startCli(['watch-pcaps', '--engine', 'tshark', folder], { ...ws.env, BROAPT_LOG_LEVEL: 'info' });
    await waitFor(() => cli.stderr().includes('watching for captures') || cli.child.exitCode !== null, 20_000, 'the watcher to start');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 files');
  });

  test('refuses a missing folder with a usage error', async () => {
    const ws = workspace();
    const result = await runCli(['watch-pcaps', '--engine', 'tshark', path.join(ws.dir, 'nope')], ws.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('does not exist');
  });
});
