import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportLogs } from '../source/report/logs.ts';
import { INDEX_FILE, ResultsIndex } from '../source/results/index.ts';
import { queryResults } from '../source/results/query.ts';
import { DAEMON_API, EICAR } from './helpers/daemon.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { fileRecord } from './helpers/records.ts';
import { BIN, makeWorkspace, type Workspace } from './helpers/workspace.ts';

let ws: Workspace;
beforeEach(async () => {
  ws = await makeWorkspace();
});
afterEach(async () => {
  await ws.cleanup();
});

function results(...args: string[]) {
  return spawnSync(process.execPath, [BIN, 'results', ...args], { encoding: 'utf8', env: { ...process.env, BROAPT_LOGS_PATH: ws.logs } });
}
const fuidsOf = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { fuid: string }).fuid);
const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

async function writeRecords(records: ReturnType<typeof fileRecord>[]): Promise<void> {
  const logs = await ReportLogs.open(ws.logs, { json: false });
  for (const record of records) logs.write(record);
  await logs.close();
}

describe('broapt results', () => {
  it('answers verdict, time, hash, fuid and MIME questions from reports.jsonl, newest first', async () => {
    await writeRecords([
      fileRecord(7, { time: hoursAgo(30) }),
      fileRecord(15, { time: hoursAgo(3) }),
      fileRecord(23, { time: hoursAgo(1), mime: 'application/vnd.ms-excel' }),
      fileRecord(5, { time: hoursAgo(2) }),
      fileRecord(1, { time: hoursAgo(1) }),
    ]);
    expect(fuidsOf(results('--verdict', 'malicious', '--format', 'json').stdout)).toEqual(['F00000023', 'F00000015', 'F00000007']);
    expect(fuidsOf(results('--verdict', 'malicious', '--since', '1d', '--format', 'json').stdout)).toEqual(['F00000023', 'F00000015']);
    expect(fuidsOf(results('--verdict', 'malicious,suspicious', '--since', '1d', '--format', 'json').stdout)).toEqual(['F00000023', 'F00000005', 'F00000015']);
    expect(fuidsOf(results('--since', hoursAgo(2.5), '--format', 'json').stdout).sort()).toEqual(['F00000001', 'F00000005', 'F00000023']);
    expect(fuidsOf(results('--mime', 'application/vnd.ms-*', '--format', 'json').stdout)).toEqual(['F00000023']);
    expect(fuidsOf(results('--fuid', 'F00000005', '--format', 'json').stdout)).toEqual(['F00000005']);
    expect(fuidsOf(results('--sha256', fileRecord(15).sha256!.toUpperCase(), '--format', 'json').stdout)).toEqual(['F00000015']);
    const table = results('--verdict', 'malicious', '--since', '1d');
    expect(table.status).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^time\s+verdict\s+score\s+mime\s+fuid\s+path\s+findings$/);
    expect(table.stdout).toMatch(/malicious\s+90\s+application\/vnd\.ms-excel\s+F00000023\s+\S+\s+eicar/);
  });

  it('flattens nested fields into columns for --format csv, one row per file, and defuses formulas', async () => {
    await writeRecords([fileRecord(7), fileRecord(1, { reason: '=HYPERLINK("http://x")' })]);
    const csv = results('--format', 'csv').stdout.split('\r\n');
    const header = csv[0]!.split(',');
    expect(header).toEqual(expect.arrayContaining(['time', 'fuid', 'verdict', 'findings.0.rule', 'reports.0.details.size']));
    expect(csv.filter(Boolean)).toHaveLength(3);
    const row = (fuid: string) => Object.fromEntries(csv.find((line) => line.includes(fuid))!.split(',').map((cell, i) => [header[i], cell]));
    expect(row('F00000007')).toMatchObject({ verdict: 'malicious', 'findings.0.rule': 'eicar', 'reports.0.details.size': '7' });
    // A spreadsheet would run a cell starting with `=`: it gets a leading quote.
    expect(csv.find((line) => line.includes('F00000001'))).toContain(`,"'=HYPERLINK(""http://x"")"`);
  });

  it('prints an answer larger than a pipe holds whole, and stops quietly when the reader does', async () => {
    await writeRecords(Array.from({ length: 400 }, (_, i) => fileRecord(i * 8 + 7, { time: hoursAgo(1) })));
    // A reader that starts late: the pipe fills and the rest of the answer waits in the CLI.
    const answer = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" results --verdict malicious --format json | (sleep 1; cat)`], { encoding: 'utf8', env: { ...process.env, BROAPT_LOGS_PATH: ws.logs } });
    expect(answer.stdout.length).toBeGreaterThan(128 * 1024);
    expect(fuidsOf(answer.stdout)).toHaveLength(400);
    const head = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" results --format json | head -c 10`], { encoding: 'utf8', env: { ...process.env, BROAPT_LOGS_PATH: ws.logs } });
    expect(head.stdout).toBe('{"time":"2');
    expect(head.stderr).toBe('');
  });

  it('catches up with records written since, by another writer too, and rebuilds a deleted index from every rotated day', async () => {
    await writeRecords([fileRecord(7, { time: hoursAgo(1) })]);
    const index = ResultsIndex.open(ws.logs);
    expect(queryResults(index, {}).map((r) => r.fuid)).toEqual(['F00000007']);
    // Another process appends (a cluster worker), ending with half a line it is still writing.
    const other = fileRecord(15, { time: hoursAgo(0.5) });
    await fs.appendFile(path.join(ws.logs, 'reports.jsonl'), `${JSON.stringify(other)}\n{"time":"${hoursAgo(0)}","fu`);
    expect(index.catchUp()).toBe(1);
    expect(queryResults(index, { verdicts: ['malicious'] }).map((r) => r.fuid)).toEqual(['F00000015', 'F00000007']);
    expect(index.catchUp()).toBe(0);
    index.close();

    // The day rotates: what the index had not read yet is read from the rotated file, then the new one.
    let now = new Date(2026, 2, 18, 23, 59);
    const logs = await ReportLogs.open(ws.logs, { json: false, now: () => now });
    logs.write(fileRecord(23, { time: hoursAgo(0.2) }));
    now = new Date(2026, 2, 19, 0, 1);
    await logs.rotate();
    logs.write(fileRecord(31, { time: hoursAgo(0.1) }));
    await logs.close();
    expect(fuidsOf(results('--verdict', 'malicious', '--format', 'json').stdout)).toEqual(['F00000031', 'F00000023', 'F00000015', 'F00000007']);

    for (const file of await fs.readdir(ws.logs)) if (file.startsWith(INDEX_FILE)) await fs.rm(path.join(ws.logs, file));
    expect(fuidsOf(results('--verdict', 'malicious', '--format', 'json').stdout)).toEqual(['F00000031', 'F00000023', 'F00000015', 'F00000007']);
  });

  it('indexes each record once when several processes catch up with the same reports.jsonl at once', async () => {
    await writeRecords([fileRecord(0)]);
    const indexUrl = new URL('../source/results/index.ts', import.meta.url).href;
    // Two processes (as two cluster workers would) catch up over and over while records arrive, until told to stop.
    const stop = path.join(ws.dir, 'stop');
    const catcher = `const { existsSync } = await import('node:fs');
      const { ResultsIndex } = await import(${JSON.stringify(indexUrl)});
      const index = ResultsIndex.open(${JSON.stringify(ws.logs)});
      console.log('ready');
      while (!existsSync(${JSON.stringify(stop)})) { index.catchUp(); await new Promise((r) => setTimeout(r, 1)); }
      index.catchUp();
      index.close();`;
    const run = () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', catcher], { stdio: ['ignore', 'pipe', 'inherit'] });
      const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      return { ready, exit: new Promise<number | null>((resolve) => child.on('exit', resolve)) };
    };
    const catchers = [run(), run()];
    await Promise.all(catchers.map((c) => c.ready));
    const reports = path.join(ws.logs, 'reports.jsonl');
    for (let i = 1; i <= 300; i++) {
      await fs.appendFile(reports, `${JSON.stringify(fileRecord(i))}\n`);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await fs.writeFile(stop, '');
    const running = catchers.map((c) => c.exit);
    expect(await Promise.all(running)).toEqual([0, 0]);
    const index = ResultsIndex.open(ws.logs);
    const rows = index.db.prepare('SELECT count(*) AS n, count(DISTINCT fuid) AS fuids FROM records').get();
    index.close();
    expect({ ...rows }).toEqual({ n: 301, fuids: 301 });
  });

  it('--host joins with the captures files.log and conn.log, and takes the members unpacked from those files', async (context) => {
    const zeek = path.join(requireFixtures(context), 'zeek-logs', 'tsv', 'bro-2.5-infectedpcap');
    const capture = path.join(ws.logs, 'infected-0b7b6a4e-6f4b-4d5a-9a53-2f1c6f3b1d2e');
    await fs.mkdir(capture, { recursive: true });
    for (const log of ['files.log', 'conn.log']) await fs.copyFile(path.join(zeek, log), path.join(capture, log));
    const rows = (await fs.readFile(path.join(zeek, 'files.log'), 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('#')).map((line) => line.split('\t'));
    // fuid is column 1, tx_hosts 2, rx_hosts 3: pick a file whose sender sent no other file.
    const senders = rows.map((row) => row[2]!);
    const row = rows.find((r) => senders.filter((s) => s === r[2]).length === 1)!;
    const [, fuid, sender, receiver] = row;
    const other = rows.find((r) => r[2] !== sender && r[3] !== sender)!;
    await writeRecords([
      fileRecord(7, { fuid: fuid!, time: hoursAgo(2) }),
      fileRecord(8, { fuid: 'FMEMBER0000000001', parentFuid: fuid!, time: hoursAgo(1) }),
      fileRecord(9, { fuid: other[1]!, time: hoursAgo(1) }),
    ]);
    expect(fuidsOf(results('--host', sender!, '--format', 'json').stdout)).toEqual(['FMEMBER0000000001', fuid]);
    expect(fuidsOf(results('--host', receiver!, '--format', 'json').stdout)).toContain(fuid);
    expect(results('--host', '192.0.2.99', '--format', 'json').stdout).toBe('');
  });

  it('is kept up to date by the run that writes the records', async () => {
    await ws.writeApi(DAEMON_API);
    await ws.addFile('HTTP-FEICAR.text.plain.txt', EICAR);
    await ws.addFile('HTTP-FCLEAN.text.plain.txt', 'nothing');
    const scan = spawnSync(process.execPath, [BIN, 'scan', '-j', '1'], { encoding: 'utf8', env: { ...process.env, ...ws.env } });
    expect(scan.status).toBe(0);
    // Read without catching up: the rows are the scan's own doing.
    const db = new DatabaseSync(path.join(ws.logs, INDEX_FILE), { readOnly: true });
    const rows = db.prepare('SELECT fuid, verdict FROM records ORDER BY fuid').all();
    db.close();
    expect(rows.map((row) => ({ ...row }))).toEqual([
      { fuid: 'FCLEAN', verdict: 'clean' },
      { fuid: 'FEICAR', verdict: 'malicious' },
    ]);
  });

  it('says how to fix an index it cannot read, in one line', async () => {
    await writeRecords([fileRecord(7)]);
    await fs.writeFile(path.join(ws.logs, INDEX_FILE), 'not a database, but forty bytes of text at least');
    const broken = results();
    expect(broken.status).toBe(1);
    expect(broken.stderr.trim().split('\n')).toHaveLength(1);
    expect(broken.stderr).toMatch(/reports\.sqlite: the results index cannot be used \(.+\)\. Delete it \(with its -wal and -shm files\) and it is rebuilt from reports\.jsonl\./);
    await fs.rm(path.join(ws.logs, INDEX_FILE));
    expect(fuidsOf(results('--format', 'json').stdout)).toEqual(['F00000007']);
  });

  it('says in one line what is wrong with a usage mistake, and exits 2', async () => {
    await fs.mkdir(ws.logs, { recursive: true });
    for (const [args, message] of [
      [['--verdict', 'evil'], /--verdict "evil" is not a verdict: use clean, unknown, suspicious, malicious/],
      [['--since', 'yesterday'], /--since "yesterday" is neither a duration/],
      [['--format', 'xml'], /--format "xml": use table, json, csv/],
      [['--host', '10.0.0.1'], /has no files.log/],
      [[path.join(ws.dir, 'nowhere')], /is not a logs folder/],
    ] as const) {
      const answer = results(...args);
      expect(answer.status).toBe(2);
      expect(answer.stderr).toMatch(message);
      expect(answer.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
