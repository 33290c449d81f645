import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();

/** The report leaves a marker named after the file only when it ran to its end. */
const FINISHING_APP = (seconds: number) => `
example:
  report: sleep ${seconds}; touch "$FINISHED/$(basename "$BROAPT_PATH")"
`;

describe('stop signals', () => {
  for (const signal of ['SIGUSR1', 'SIGTERM'] as const) {
    it(`${signal} stops intake, lets running files finish, marks only finished files, exits 0`, async () => {
      const finished = path.join(ws().dir, 'finished');
      await fs.mkdir(finished);
      await ws().writeApi(FINISHING_APP(0.6));
      for (let i = 0; i < 20; i++) await ws().addFile(broaptName(i, 'text/plain', 'txt'));
      const run = startCli(['watch', '--jobs', '2'], { ...ws().env, FINISHED: finished });
      // Wait until two files are running and at least one has finished.
      await waitFor(async () => (await ws().readLines('dump.log')).length >= 1, 20_000, 'a first finished file');
      run.child.kill(signal);
      const result = await run.done;
      expect(result.code).toBe(0);
      const done = await ws().readLines('dump.log');
      const markers = await fs.readdir(finished);
      expect(done.length).toBeGreaterThanOrEqual(1);
      expect(done.length).toBeLessThan(20);
      // Every file in dump.log ran to its end, and every file that ran to its end is in dump.log.
      expect(done.map((p) => path.basename(p)).sort()).toEqual(markers.sort());
      expect(await ws().readLines('fail.log')).toEqual([]);
    });
  }
});

describe('crash safety', () => {
  it('loses no file when killed with SIGKILL mid-run over 500 files', async () => {
    await ws().writeApi(`
example:
  report: "true"
`);
    const files: string[] = [];
    for (let i = 0; i < 500; i++) files.push(await ws().addFile(`${['text/plain', 'image/png', 'application/pdf'][i % 3]}/${broaptName(i, 'text/plain', 'txt')}`));
    const run = startCli(['scan', '--jobs', '2'], ws().env);
    await waitFor(async () => (await ws().readLines('dump.log')).length >= 100, 60_000, '100 finished files');
    run.child.kill('SIGKILL');
    await run.done;
    const before = new Set(await ws().readLines('dump.log'));
    expect(before.size).toBeLessThan(500);

    const restart = await runCli(['scan', '--jobs', '2'], ws().env);
    expect(restart.code).toBe(0);
    const lines = await ws().readLines('dump.log');
    const after = new Set(lines);
    for (const file of files) expect(after.has(file)).toBe(true);
    expect(after.size).toBe(500);
    // The restart did only what was missing (plus at most the files in flight at the kill).
    expect(lines.length - before.size).toBeLessThanOrEqual(500 - before.size + 2);
    expect(restart.stdout).toMatch(new RegExp(`^${500 - before.size} files`));
  });
});

describe('a second stop signal', () => {
  it('exits at once and kills the commands still running', async () => {
    const pids = path.join(ws().dir, 'pids');
    await fs.mkdir(pids);
    await ws().writeApi(`
example:
  report: echo $$ > "$PIDS/$(basename "$BROAPT_PATH")"; sleep 60
`);
    for (let i = 0; i < 4; i++) await ws().addFile(broaptName(i, 'text/plain', 'txt'));
    const run = startCli(['scan', '--jobs', '2'], { ...ws().env, PIDS: pids });
    await waitFor(async () => (await fs.readdir(pids)).length === 2, 20_000, 'two running commands');
    run.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    const running = await Promise.all((await fs.readdir(pids)).map(async (f) => Number(await fs.readFile(path.join(pids, f), 'utf8'))));
    // SIGKILLed: gone (init may take a moment to reap them).
    await waitFor(() => running.every((pid) => !isAlive(pid)), 10_000, 'the commands to die');
    expect(await ws().readLines('dump.log')).toEqual([]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readState(pid).startsWith('Z');
  } catch {
    return false;
  }
}

function readState(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '';
  } catch {
    return 'Z';
  }
}
