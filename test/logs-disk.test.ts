import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scan, startDaemonCli } from './helpers/daemon.ts';
import { bindReadOnly, fillDisk, mountTmpfs, unmount } from './helpers/mounts.ts';
import { broaptName, problems, runCli, startCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

/** Mounted by the test, unmounted after it, innermost first. */
const mounted: string[] = [];
/** Processes the test started: one left running (the test failed first) would keep its mount busy. */
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) await once(child, 'close');
  }
  for (const dir of mounted.splice(0).reverse()) unmount(dir);
});

const API = `
example:
  report: "true"
text:
  plain:
    report: "true"
`;

async function addFiles(count: number, mime = 'text/plain', ext = 'txt', offset = 0): Promise<void> {
  for (let i = offset; i < offset + count; i++) await ws().addFile(broaptName(i, mime, ext));
}

/** The logs folder on a tmpfs of `size` with about `free` bytes left; returns the filler file, whose removal frees the rest. */
async function logsOnSmallDisk(size: string, free: number): Promise<string> {
  await fs.mkdir(ws().logs);
  mountTmpfs(ws().logs, size);
  mounted.push(ws().logs);
  return fillDisk(ws().logs, free);
}

/** Every line of a log broapt wrote parses: no write left half a record behind. */
async function expectWholeJsonLines(name: 'processed.jsonl' | 'fail.log'): Promise<void> {
  for (const line of await ws().readLines(name)) expect(() => JSON.parse(line) as unknown).not.toThrow();
}

describe('a logs disk that fills up during a scan', () => {
  it('stops intake, fails no file, leaves the unrecorded files for the next run, says so and exits 2', async () => {
    await ws().writeApi(API);
    const total = 100;
    await addFiles(total);
    const filler = await logsOnSmallDisk('2m', 400 << 10);
    const full = await runCli(['scan', '--jobs', '2'], ws().env);
    const done = new Set(await ws().readLines('dump.log'));
    const left = total - done.size;
    expect(full.code).toBe(2);
    expect(done.size).toBeGreaterThan(0);
    expect(left).toBeGreaterThan(0);
    expect(full.stderr).toMatch(new RegExp(`no space left.*${left} files? (were|was) not recorded and (are|is) left for the next run`, 'i'));
    expect(full.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(await ws().readLines('fail.log')).toEqual([]);
    await expectWholeJsonLines('processed.jsonl');

    await fs.rm(filler);
    const rerun = await runCli(['scan', '--jobs', '2'], ws().env);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`${left} done, 0 failed, ${done.size} skipped (${done.size} already processed)`);
    expect(new Set(await ws().readLines('dump.log')).size).toBe(total);
  });

  it('ends watch too, which would otherwise run on and take nothing', async () => {
    await ws().writeApi(API);
    await addFiles(100);
    await logsOnSmallDisk('2m', 100 << 10);
    const run = startCli(['watch', '--jobs', '2'], ws().env);
    started.push(run.child);
    const watch = await run.done;
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(/no space left.*left for the next run/i);
    expect(await ws().readLines('fail.log')).toEqual([]);
  });

  it('ends the daemon too, which would otherwise answer every scan with nothing', async () => {
    await ws().writeApi(API);
    await addFiles(100);
    await logsOnSmallDisk('2m', 100 << 10);
    const daemon = await startDaemonCli(ws());
    let refused = false;
    try {
      for (let i = 0; i < 100 && !refused; i++) {
        // Refused connections once the daemon has stopped taking scans: the end this test waits for.
        const answer = await scan(daemon, { name: broaptName(i, 'text/plain', 'txt'), mime: 'text/plain' }).catch(() => undefined);
        refused = answer === undefined;
        await answer?.arrayBuffer();
      }
    } finally {
      // It exits by itself once it stopped; a daemon that never stops is ended here, and fails the test.
      if (!refused) await daemon.stop();
    }
    const ended = await daemon.done;
    expect(ended.code).toBe(2);
    expect(ended.stderr).toMatch(/no space left.*left for the next run/i);
    expect(await ws().readLines('fail.log')).toEqual([]);
  });

  it('is refused at start: exit 2 and one line that says where and what to do', async () => {
    await ws().writeApi(API);
    await addFiles(3);
    await logsOnSmallDisk('1m', 0);
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    const lines = problems(result.stderr).split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(ws().logs);
    expect(lines[0]).toMatch(/full.*--logs-path/);
  });
});

describe('a read-only logs folder', () => {
  it('is not a failure of the files: none goes to fail.log, and a plain rerun takes them', async () => {
    await ws().writeApi(API);
    await addFiles(10, 'image/png', 'png');
    await addFiles(10, 'text/plain', 'txt', 10);
    // Only the API logs of text/plain are read-only: the run finds out mid-way, at the first such file.
    const readOnly = path.join(ws().logs, 'api', 'text', 'plain');
    await fs.mkdir(readOnly, { recursive: true });
    bindReadOnly(readOnly);
    mounted.push(readOnly);
    const first = await runCli(['scan', '--jobs', '1'], ws().env);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/read-only.*not recorded and (are|is) left for the next run/);
    expect(await ws().readLines('fail.log')).toEqual([]);
    const done = await ws().readLines('dump.log');
    expect(done.length).toBeLessThan(20);

    unmount(mounted.pop()!);
    const rerun = await runCli(['scan'], ws().env);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain(`${20 - done.length} done, 0 failed`);
    expect(new Set(await ws().readLines('dump.log')).size).toBe(20);
  });

  it('is refused at start when the API logs folder is read-only: exit 2, one line', async () => {
    await ws().writeApi(API);
    await addFiles(3);
    const apiLogs = path.join(ws().dir, 'api-logs');
    await fs.mkdir(apiLogs);
    bindReadOnly(apiLogs);
    mounted.push(apiLogs);
    const result = await runCli(['scan'], { ...ws().env, BROAPT_API_LOGS: apiLogs });
    expect(result.code).toBe(2);
    const lines = problems(result.stderr).split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/read-only.*--api-logs/);
    expect(await ws().readLines('fail.log')).toEqual([]);
  });
});
