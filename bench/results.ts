/**
 * `broapt results` over 1,000,000 records: how long the index takes to build
 * from reports.jsonl, how big it is, and how long `--verdict malicious --since
 * 1d` takes (target: under 100 ms), in-process and as the whole CLI run.
 * Everything lives in a tmpfs folder (/dev/shm) so the disk does not blur it.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportLine } from '../source/report/logs.ts';
import { INDEX_FILE, ResultsIndex } from '../source/results/index.ts';
import { queryLines, queryResults } from '../source/results/query.ts';
import { fileRecord } from '../test/helpers/records.ts';

const RECORDS = 1_000_000;
/** The records spread evenly over this many days back from now: 1d selects 1/30 of them. */
const DAYS = 30;
const QUERY_RUNS = 20;
const BIN = path.resolve(import.meta.dirname, '../bin/broapt.js');

function tmpfs(): string {
  const shm = '/dev/shm';
  return mkdtempSync(path.join(statSync(shm, { throwIfNoEntry: false })?.isDirectory() ? shm : os.tmpdir(), 'broapt-results-bench-'));
}

/** reports.jsonl as the pipeline writes it, oldest first, one record every DAYS/RECORDS of the span. */
function writeReports(file: string): void {
  const fd = openSync(file, 'w');
  const start = Date.now() - DAYS * 86_400_000;
  const step = (DAYS * 86_400_000) / RECORDS;
  try {
    for (let batch = 0; batch < RECORDS; batch += 10_000) {
      const lines: string[] = [];
      for (let i = batch; i < Math.min(RECORDS, batch + 10_000); i++) {
        lines.push(JSON.stringify(reportLine(fileRecord(i, { time: new Date(start + i * step).toISOString() }))));
      }
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function main(): Promise<void> {
  console.log(`\nbroapt results: ${RECORDS.toLocaleString('en')} records over ${DAYS} days, index build, size and a query`);
  const dir = tmpfs();
  try {
    const reports = path.join(dir, 'reports.jsonl');
    writeReports(reports);
    let started = performance.now();
    const buildCpu = process.cpuUsage();
    const index = ResultsIndex.open(dir);
    const buildMs = performance.now() - started;
    const buildUsed = process.cpuUsage(buildCpu);
    index.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const indexBytes = readdirSync(dir).filter((name) => name.startsWith(INDEX_FILE)).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
    const filter = { verdicts: ['malicious'], since: Date.now() / 1000 - 86_400 };
    let found = 0;
    const times: number[] = [];
    const cpu: number[] = [];
    const parsed: number[] = [];
    for (let run = 0; run < QUERY_RUNS; run++) {
      const before = process.cpuUsage();
      started = performance.now();
      found = queryLines(index, filter).length;
      times.push(performance.now() - started);
      const used = process.cpuUsage(before);
      cpu.push((used.user + used.system) / 1000);
      started = performance.now();
      queryResults(index, filter);
      parsed.push(performance.now() - started);
    }
    index.close();
    const cli = (args: string[]) => {
      const times: number[] = [];
      for (let run = 0; run < 5; run++) {
        started = performance.now();
        execFileSync(process.execPath, [BIN, 'results', ...args], { maxBuffer: 1 << 28 });
        times.push(performance.now() - started);
      }
      return median(times);
    };
    const whole = cli(['--verdict', 'malicious', '--since', '1d', '--format', 'json', dir]);
    const startUp = cli(['--help']);
    const rows: [string, string][] = [
      ['reports.jsonl', `${RECORDS.toLocaleString('en')} records, ${mib(statSync(reports).size)}`],
      ['index build', `${(buildMs / 1000).toFixed(1)} s (${Math.round(RECORDS / (buildMs / 1000)).toLocaleString('en')} records/s; CPU ${((buildUsed.user + buildUsed.system) / 1e6).toFixed(1)} s)`],
      ['index size', `${mib(indexBytes)} (${INDEX_FILE}, record text included)`],
      ['query', `${median(times).toFixed(1)} ms median of ${QUERY_RUNS}, CPU ${median(cpu).toFixed(1)} ms (--verdict malicious --since 1d: ${found.toLocaleString('en')} files)   target < 100 ms`],
      ['query + parse', `${median(parsed).toFixed(1)} ms median (the records as objects, what table and csv print)`],
      ['whole CLI run', `${whole.toFixed(0)} ms median of 5, of which start-up ${startUp.toFixed(0)} ms (\`broapt results --help\`)`],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
