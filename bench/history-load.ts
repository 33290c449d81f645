/**
 * How fast and how big a 1,000,000-line dump.log is once loaded: file size,
 * History.open time, has() cost, and the memory the loaded history keeps (JS
 * heap and the typed arrays outside it). The load runs in a fresh child process
 * so its RSS is not blurred by the generator.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const LINES = 1_000_000;
const LOOKUPS = 1_000_000;
const MIME_TYPES = [
  'application/pdf',
  'application/zip',
  'application/x-dosexec',
  'application/msword',
  'application/vnd.ms-excel',
  'text/html',
  'text/plain',
  'image/jpeg',
  'image/png',
  'application/x-rar',
];
const PCAPS = ['office-2024-03-18', 'dmz-tap0', 'edge-gw-1', 'lab-capture'];
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(length: number): string {
  let text = '';
  for (const byte of randomBytes(length)) text += BASE62[byte % 62];
  return text;
}

/** A path as Zeek's extract script names it: `<dump>/<mime>/<proto>-<fuid>.<pcap>-<uuid>.<mime with dots>.<ext>`. */
function zeekPath(index: number): string {
  const mime = MIME_TYPES[index % MIME_TYPES.length] ?? 'application/octet-stream';
  const pcap = PCAPS[index % PCAPS.length] ?? 'capture';
  const ext = mime.slice(mime.lastIndexOf('/') + 1);
  return `/dump/${mime}/HTTP-F${base62(17)}.${pcap}-${randomUUID()}.${mime.replace('/', '.')}.${ext}`;
}

/** Writes `count` fresh paths, one a line, in large batches. */
function writePaths(file: string, count: number, keep: (line: string, index: number) => void = () => {}): void {
  const fd = openSync(file, 'w');
  try {
    for (let batch = 0; batch < count; batch += 10_000) {
      const lines: string[] = [];
      for (let index = batch; index < Math.min(count, batch + 10_000); index++) {
        const line = zeekPath(index);
        keep(line, index);
        lines.push(line);
      }
      writeSync(fd, `${lines.join('\n')}\n`);
    }
  } finally {
    closeSync(fd);
  }
}

interface Measurement {
  loadMs: number;
  size: number;
  hitRate: number;
  lookupNs: number;
  rssGrowth: number;
  heapGrowth: number;
  arrayGrowth: number;
}

/** Source of the child: load, measure retained memory after a full GC, then time has() over queries it reads after the memory is measured. */
function childScript(logsPath: string, queriesFile: string): string {
  const historyUrl = pathToFileURL(path.resolve(import.meta.dirname, '../source/history/history.ts')).href;
  return `
    import { readFileSync } from 'node:fs';
    import { History } from ${JSON.stringify(historyUrl)};
    globalThis.gc();
    const before = process.memoryUsage();
    const history = await History.open(${JSON.stringify(logsPath)}, { retryFailed: false });
    globalThis.gc();
    const after = process.memoryUsage();
    const queries = readFileSync(${JSON.stringify(queriesFile)}, 'utf8').split('\\n', ${LOOKUPS});
    let hits = 0;
    const started = process.hrtime.bigint();
    for (const query of queries) if (history.has(query)) hits++;
    const lookupNs = Number(process.hrtime.bigint() - started) / queries.length;
    await history.close();
    process.stdout.write(JSON.stringify({
      loadMs: history.stats.loadMs, size: history.size, hitRate: hits / queries.length, lookupNs,
      rssGrowth: after.rss - before.rss, heapGrowth: after.heapUsed - before.heapUsed,
      arrayGrowth: after.arrayBuffers - before.arrayBuffers,
    }));
  `;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

export async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'broapt-history-bench-'));
  try {
    const dumpLog = path.join(dir, 'dump.log');
    const queriesFile = path.join(dir, 'queries.txt');
    // Half the lookups hit (every other logged path), half miss (paths never logged).
    const hits: string[] = [];
    writePaths(dumpLog, LINES, (line, index) => {
      if (index % 2 === 0) hits.push(line);
    });
    writePaths(queriesFile, LOOKUPS - hits.length);
    appendFileSync(queriesFile, `${hits.join('\n')}\n`);

    const output = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', childScript(dir, queriesFile)], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    const result = JSON.parse(output) as Measurement;
    const fileSize = statSync(dumpLog).size;
    const rows: [string, string][] = [
      ['dump.log', `${LINES.toLocaleString('en')} lines, ${mib(fileSize)} (${(fileSize / LINES).toFixed(0)} B/line)`],
      ['History.open', `${result.loadMs.toFixed(0)} ms (${result.size.toLocaleString('en')} paths)`],
      ['has()', `${result.lookupNs.toFixed(0)} ns/lookup over ${LOOKUPS.toLocaleString('en')} (${(result.hitRate * 100).toFixed(0)}% hits)`],
      ['heap growth', `${mib(result.heapGrowth)} (${(result.heapGrowth / result.size).toFixed(0)} B/path)`],
      // Typed arrays live outside the JS heap.
      ['array buffers', `${mib(result.arrayGrowth)} (${(result.arrayGrowth / result.size).toFixed(0)} B/path)`],
      ['RSS growth', mib(result.rssGrowth)],
    ];
    const width = Math.max(...rows.map(([name]) => name.length));
    for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
