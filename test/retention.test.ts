import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportLine } from '../source/report/logs.ts';
import { dayOf } from '../source/results/rotation.ts';
import { fileRecord } from './helpers/records.ts';
import { BIN, makeWorkspace, type Workspace } from './helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await makeWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);

function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...ws.env, ...env } });
}

/** A file (or folder, or link) written at `when`. */
async function oldFile(file: string, when: Date, content: string | null = 'x'): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  if (content === null) await fs.mkdir(file, { recursive: true });
  else await fs.writeFile(file, content);
  await fs.utimes(file, when, when);
  return file;
}

describe('BROAPT_RETENTION', () => {
  it('prunes records, API logs and unpacked members older than the retention, and keeps the history', async () => {
    await ws.writeApi(`example:\n  report: echo '{"verdict":"clean"}'\n`);
    const old = daysAgo(40);
    const recent = daysAgo(5);
    const day = (d: Date) => dayOf(d);
    const line = (i: number, time: Date) => `${JSON.stringify(reportLine(fileRecord(i, { time: time.toISOString() })))}\n`;
    await oldFile(path.join(ws.logs, `reports.${day(old)}.jsonl`), old, line(7, old));
    await oldFile(path.join(ws.logs, `reports.${day(recent)}.jsonl`), recent, line(15, recent));
    await oldFile(path.join(ws.logs, `processed.${day(old)}.jsonl`), old, line(7, old));
    await oldFile(path.join(ws.logs, `broapt.${day(old)}.log`), old, '#separator \\x09\n');
    const oldPath = await ws.addFile('HTTP-FOLD.text.plain.txt', 'analysed 40 days ago');
    await oldFile(path.join(ws.logs, 'dump.log'), old, `${oldPath}\n`);
    await oldFile(path.join(ws.logs, 'fail.log'), old, '/dump/failed-long-ago\n');
    // Index the old days first, as a deployment's index would hold them.
    expect(cli(['results', '--format', 'json']).stdout.trim().split('\n')).toHaveLength(2);

    const api = path.join(ws.logs, 'api');
    const oldLog = await oldFile(path.join(api, 'text', 'plain', 'FOLD-scripts.1'), old);
    const newLog = await oldFile(path.join(api, 'text', 'plain', 'FNEW-scripts.1'), new Date());
    // Members keep their archive's times: a folder goes by when it was filled, not by its members.
    const oldChildren = await oldFile(path.join(api, 'application', 'zip', 'FZIP-scripts.1.children'), old, null);
    await fs.writeFile(path.join(oldChildren, 'member.exe'), 'new mtime, old folder');
    await fs.utimes(oldChildren, old, old);
    const newChildren = path.join(api, 'application', 'zip', 'FZAP-scripts.1.children');
    await fs.mkdir(newChildren, { recursive: true });
    await oldFile(path.join(newChildren, 'member.doc'), daysAgo(400));
    // A link an app left behind is removed, never followed.
    const outside = await oldFile(path.join(ws.dir, 'outside.txt'), old);
    const link = path.join(api, 'text', 'plain', 'FLINK-scripts.1');
    await fs.symlink(outside, link);
    await fs.lutimes(link, old, old);

    const scan = cli(['scan'], { BROAPT_RETENTION: '30d' });
    expect(scan.stderr).toBe('');
    expect(scan.status).toBe(0);

    const names = await fs.readdir(ws.logs);
    expect(names).not.toContain(`reports.${day(old)}.jsonl`);
    expect(names).not.toContain(`processed.${day(old)}.jsonl`);
    expect(names).not.toContain(`broapt.${day(old)}.log`);
    expect(names).toContain(`reports.${day(recent)}.jsonl`);
    // The history stays: the file analysed 40 days ago is not analysed again.
    expect(await fs.readFile(path.join(ws.logs, 'dump.log'), 'utf8')).toBe(`${oldPath}\n`);
    expect(await fs.readFile(path.join(ws.logs, 'fail.log'), 'utf8')).toBe('/dump/failed-long-ago\n');
    expect(scan.stdout).toMatch(/0 files/);
    const exists = (file: string) => fs.lstat(file).then(() => true, () => false);
    expect(await exists(oldLog)).toBe(false);
    expect(await exists(newLog)).toBe(true);
    expect(await exists(oldChildren)).toBe(false);
    expect(await exists(path.join(newChildren, 'member.doc'))).toBe(true);
    expect(await exists(link)).toBe(false);
    expect(await exists(outside)).toBe(true);
    // The index dropped the old records with their day.
    const left = cli(['results', '--format', 'json']).stdout.trim().split('\n').map((text) => JSON.parse(text).fuid);
    expect(left).toEqual(['F00000015']);
  });

  it('refuses a retention that is no duration, in one line, with exit 2', () => {
    const scan = cli(['scan'], { BROAPT_RETENTION: '30 days' });
    expect(scan.status).toBe(2);
    expect(scan.stderr.trim()).toBe('broapt scan: BROAPT_RETENTION="30 days" is not a duration: write how long to keep records, like 30d, 12h or 2w; unset it to keep everything.');
  });
});
