/**
 * How fast readZeekLog reads a large conn.log, against `wc -l` (the disk and
 * page-cache floor) and a bare readline + split('\t') loop (the cheapest
 * JavaScript that still sees every field). Each runs in its own process so its
 * peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultHeader } from '../source/zeek/header.ts';
import { ZeekTsvWriter } from '../source/zeek/tsv-writer.ts';

const TARGET_BYTES = 210 * 1024 * 1024;
const FIELDS = 'ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents';
const TYPES = 'time string addr port addr port enum string interval count count string bool bool count string count count count count set[string]';

/** A deterministic stream of plausible connections: a mix of tcp/udp, unset fields and the odd tunnel set. */
async function writeConnLog(file: string): Promise<void> {
  const out = createWriteStream(file);
  new ZeekTsvWriter(out).writeHeader({ ...defaultHeader(), path: 'conn', open: '2024-03-24-17-15-21', fields: FIELDS.split(' '), types: TYPES.split(' ') });
  let written = 0;
  let seed = 1;
  const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const services = ['http', 'dns', 'ssl', '-', 'ftp,ftp-data', '-'];
  for (let i = 0; written < TARGET_BYTES; i++) {
    const udp = next(3) === 0;
    const unset = next(5) === 0;
    const line = [
      (1521911721 + i * 0.0137).toFixed(6),
      `C${(i * 2654435761).toString(36).slice(0, 17).padEnd(17, 'x')}`,
      `10.${next(256)}.${next(256)}.${next(256)}`,
      String(1024 + next(64000)),
      next(4) === 0 ? `2001:db8::${next(65535).toString(16)}` : `192.168.${next(256)}.${next(256)}`,
      udp ? '53' : String([80, 443, 22, 21][next(4)]),
      udp ? 'udp' : 'tcp',
      services[next(services.length)],
      unset ? '-' : (next(100000) / 1000).toFixed(6),
      unset ? '-' : String(next(100000)),
      unset ? '-' : String(next(10000000)),
      unset ? 'S0' : 'SF',
      '-',
      'F',
      '0',
      unset ? 'S' : 'ShADadfF',
      String(next(200)),
      String(next(20000)),
      String(next(200)),
      String(next(2000000)),
      next(50) === 0 ? 'CjhGID4nQcgTWjvg4c,CQ9vFbVdpE7Po3Z8j' : '(empty)',
    ].join('\t');
    written += line.length + 1;
    if (!out.write(`${line}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.write('#close\t2024-03-24-18-15-21\n');
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}

/** The same connections as Zeek JSON lines (converted through our own reader and writer), up to the same size. */
async function writeJsonConnLog(tsv: string, file: string): Promise<void> {
  const { readZeekLog } = await import('../source/zeek/read.ts');
  const { formatJsonRecord } = await import('../source/zeek/json-writer.ts');
  const out = createWriteStream(file);
  let written = 0;
  for await (const record of readZeekLog(tsv)) {
    const line = `${formatJsonRecord(record)}\n`;
    written += line.length;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    if (written >= TARGET_BYTES) break;
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject);
    out.end(resolve);
  });
}

const readerUrl = pathToFileURL(path.resolve(import.meta.dirname, '../source/zeek/read.ts')).href;

const SCRIPTS = {
  readZeekLog: `
    const { readZeekLog } = await import(${JSON.stringify(readerUrl)});
    let n = 0;
    for await (const record of readZeekLog(process.argv[1])) if (record.ts !== undefined) n++;
    console.log(n);`,
  'readline split': `
    const { createReadStream } = await import('node:fs');
    const { createInterface } = await import('node:readline');
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(process.argv[1]), crlfDelay: Infinity })) {
      if (line[0] !== '#' && line.split('\\t').length > 1) n++;
    }
    console.log(n);`,
  'readline JSON.parse': `
    const { createReadStream } = await import('node:fs');
    const { createInterface } = await import('node:readline');
    let n = 0;
    for await (const line of createInterface({ input: createReadStream(process.argv[1]), crlfDelay: Infinity })) {
      if (JSON.parse(line).ts !== undefined) n++;
    }
    console.log(n);`,
};

interface Measure {
  name: string;
  seconds: number;
  /** User + system CPU time: on a shared machine, wall time also counts the waits for a core. */
  cpuSeconds: number;
  records: number;
  rssMb: number;
}

/** A native command's peak RSS and CPU time come from GNU time (`-` when it is not installed). */
function timed(name: string, command: string, args: string[]): Measure {
  const start = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', 'RSS %M CPU %U %S', command, ...args], { encoding: 'utf8' });
  const output = run.error === undefined ? run.stdout : execFileSync(command, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const usage = /RSS (\d+) CPU ([\d.]+) ([\d.]+)/.exec(run.stderr ?? '');
  return {
    name,
    seconds,
    cpuSeconds: usage === null ? Number.NaN : Number(usage[2]) + Number(usage[3]),
    records: Number.parseInt(output.trim(), 10),
    rssMb: usage === null ? Number.NaN : Number(usage[1]) / 1024,
  };
}

/** Node reports its own peak RSS and CPU time, which works without /usr/bin/time. */
function node(name: string, script: string, file: string): Measure {
  const start = process.hrtime.bigint();
  const report = 'const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage(); console.log(maxRSS); console.log(userCPUTime + systemCPUTime);';
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', `${script}\n${report}`, file], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const [records, maxRssKb, cpuMicros] = output.trim().split('\n').map(Number);
  return { name, seconds, cpuSeconds: (cpuMicros as number) / 1e6, records: records as number, rssMb: (maxRssKb as number) / 1024 };
}

function table(title: string, megabytes: number, rows: Measure[]): void {
  console.log(`${title} of ${megabytes.toFixed(0)} MB`);
  console.log(`${'reader'.padEnd(20)}${'MB/s'.padStart(9)}${'records/s'.padStart(13)}${'CPU s'.padStart(8)}${'peak RSS MB'.padStart(13)}`);
  const orDash = (n: number, digits: number) => (Number.isNaN(n) ? '-' : n.toFixed(digits));
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(20)}${(megabytes / row.seconds).toFixed(1).padStart(9)}${Math.round(row.records / row.seconds).toLocaleString('en').padStart(13)}${orDash(row.cpuSeconds, 2).padStart(8)}${orDash(row.rssMb, 0).padStart(13)}`,
    );
  }
  const [, baseline, ours] = rows as [Measure, Measure, Measure];
  console.log(
    `readZeekLog runs at ${(baseline.seconds / ours.seconds).toFixed(2)}× the ${baseline.name} loop (target ≥ 0.5×; ${(baseline.cpuSeconds / ours.cpuSeconds).toFixed(2)}× in CPU time), peak RSS ${ours.rssMb.toFixed(0)} MB vs ${baseline.rssMb.toFixed(0)} MB`,
  );
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'broapt-zeek-bench-'));
  try {
    const tsv = path.join(dir, 'conn.log');
    await writeConnLog(tsv);
    const json = path.join(dir, 'conn.json.log');
    await writeJsonConnLog(tsv, json);
    const megabytes = async (file: string) => (await stat(file)).size / 1024 / 1024;
    table('zeek-parse: TSV conn.log', await megabytes(tsv), [
      timed('wc -l', 'wc', ['-l', tsv]),
      node('readline split', SCRIPTS['readline split'], tsv),
      node('readZeekLog', SCRIPTS.readZeekLog, tsv),
    ]);
    table('zeek-parse: JSON conn.log', await megabytes(json), [
      timed('wc -l', 'wc', ['-l', json]),
      node('readline JSON.parse', SCRIPTS['readline JSON.parse'], json),
      node('readZeekLog', SCRIPTS.readZeekLog, json),
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
