import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDump, writeTrivialApi } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));

async function writeHistory(file: string, dump: string, entries: number): Promise<void> {
  const handle = await fs.open(file, 'w');
  const chunk: string[] = [];
  for (let i = 0; i < entries; i++) {
    chunk.push(path.join(dump, 'application/pdf', `HTTP-F${String(i).padStart(17, 'h')}.old-capture.application.pdf.pdf`));
    if (chunk.length === 10_000) {
      await handle.write(`${chunk.join('\n')}\n`);
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) await handle.write(`${chunk.join('\n')}\n`);
  await handle.close();
}

/** Lines appended to `file` after byte `from`: reading only the tail keeps the poll off the measurement. */
async function linesAfter(file: string, from: number): Promise<number> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    let n = 0;
    for (let i = buffer.indexOf(10); i >= 0; i = buffer.indexOf(10, i + 1)) n++;
    return n;
  } finally {
    await handle.close();
  }
}

/**
 * Time for `broapt watch` to finish 100 files written into its dump folder while
 * its history already holds 10^4..10^6 entries: history membership must not
 * depend on the history's size (the reference rereads and scans it per file).
 */
export async function main(histories = [10_000, 100_000, 1_000_000]): Promise<void> {
  console.log('\n(2) broapt watch: 100 new files, history of N entries (default settle time 0.5 s, 2 jobs)');
  console.log('        N  start-up s  100 files s');
  for (const entries of histories) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-bench-watch-'));
    try {
      const dump = path.join(dir, 'dump');
      const logs = path.join(dir, 'logs');
      await fs.mkdir(dump, { recursive: true });
      await fs.mkdir(logs, { recursive: true });
      await writeTrivialApi(path.join(dir, 'api'));
      const dumpLog = path.join(logs, 'dump.log');
      await writeHistory(dumpLog, dump, entries);
      const env = { ...process.env, BROAPT_API_ROOT: path.join(dir, 'api'), BROAPT_LOGS_PATH: logs, BROAPT_LOG_LEVEL: 'info', BROAPT_INTERVAL: '60' };
      const started = performance.now();
      const child = spawn(process.execPath, [BIN, 'watch', '--jobs', '2', dump], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr!.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('"msg":"watching')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`broapt watch exited ${code}: ${stderr}`)));
      });
      const startup = (performance.now() - started) / 1000;
      const { size: historyBytes } = await fs.stat(dumpLog);
      const dropped = performance.now();
      await makeDump(dump, 100, 10_000_000);
      while ((await linesAfter(dumpLog, historyBytes)) < 100) await new Promise((resolve) => setTimeout(resolve, 10));
      const took = (performance.now() - dropped) / 1000;
      child.kill('SIGTERM');
      await once(child, 'exit');
      console.log(`${String(entries).padStart(9)} ${startup.toFixed(2).padStart(11)} ${took.toFixed(3).padStart(12)}`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  console.log('     target: under 1 s and flat across N (the reference: 1.6 s at 20,000, 15 s at 60,000)');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
