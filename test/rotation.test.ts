import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportLogs } from '../source/report/logs.ts';
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

const lines = async (file: string) => (await fs.readFile(path.join(ws.logs, file), 'utf8')).split('\n').filter((line) => line !== '');
const yesterday = () => new Date(Date.now() - 36 * 3600_000);

function logsCat(file: string) {
  return spawnSync(process.execPath, [BIN, 'logs', 'cat', path.join(ws.logs, file)], { encoding: 'utf8' });
}

describe('broapt.log and reports.jsonl rotation', () => {
  it('rotates a TSV broapt.log away when JSON mode is switched on, so `logs cat` reads both files', async () => {
    const tsv = await ReportLogs.open(ws.logs, { json: false });
    tsv.write(fileRecord(1));
    await tsv.close();
    const json = await ReportLogs.open(ws.logs, { json: true });
    json.write(fileRecord(2));
    await json.close();

    const current = logsCat('broapt.log');
    expect(current.stderr).toBe('');
    expect(current.status).toBe(0);
    expect(current.stdout).toContain('F00000002');
    expect(current.stdout).not.toContain('F00000001');
    const rotated = `broapt.${dayOf(new Date())}.log`;
    expect((await lines(rotated))[0]).toBe('#separator \\x09');
    expect(logsCat(rotated).stdout).toContain('F00000001');
  });

  it('rotates a log left from an earlier day under that day when opened', async () => {
    const first = await ReportLogs.open(ws.logs, { json: false });
    first.write(fileRecord(1));
    await first.close();
    const then = yesterday();
    for (const file of ['reports.jsonl', 'broapt.log']) await fs.utimes(path.join(ws.logs, file), then, then);

    const second = await ReportLogs.open(ws.logs, { json: false });
    second.write(fileRecord(2));
    await second.close();
    const day = dayOf(then);
    expect((await lines(`reports.${day}.jsonl`)).map((line) => JSON.parse(line).fuid)).toEqual(['F00000001']);
    expect((await lines('reports.jsonl')).map((line) => JSON.parse(line).fuid)).toEqual(['F00000002']);
    expect(logsCat(`broapt.${day}.log`).stdout).toContain('F00000001');
    expect(logsCat('broapt.log').stdout).not.toContain('F00000001');
  });

  it('at midnight, closes the TSV block of the day and starts the next file with a header', async () => {
    let now = new Date(2026, 2, 18, 23, 59, 59);
    const logs = await ReportLogs.open(ws.logs, { json: false, now: () => now });
    logs.write(fileRecord(1));
    now = new Date(2026, 2, 19, 0, 0, 1);
    await logs.rotate();
    logs.write(fileRecord(2));
    await logs.close();

    const old = await lines('broapt.2026-03-18.log');
    expect(old.at(-1)).toMatch(/^#close\t2026-03-19-00-00-01$/);
    expect(old.filter((line) => !line.startsWith('#')).map((line) => line.split('\t')[1])).toEqual(['F00000001']);
    const current = await lines('broapt.log');
    expect(current[0]).toBe('#separator \\x09');
    expect(current.filter((line) => !line.startsWith('#')).map((line) => line.split('\t')[1])).toEqual(['F00000002']);
    expect(logsCat('broapt.log').status).toBe(0);
    expect((await lines('reports.2026-03-18.jsonl')).length).toBe(1);
    expect((await lines('reports.jsonl')).length).toBe(1);
  });
});
