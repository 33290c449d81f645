/**
 * Memory of a long scan: peak RSS and PSS of `broapt scan --jobs 2` (a trivial
 * report command) over N files, for the whole process tree: the broapt process
 * with its pool threads, and the launcher shells and commands it starts. RSS
 * counts a shared page in every process that maps it; PSS splits it between
 * them, which is the fair total for a tree of forks. Files, logs and API logs
 * all live in tmpfs, so the disk plays no part.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDump, writeTrivialApi } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));
const JOBS = 2;
const SAMPLE_MS = 50;

/** The pid and every descendant's: children are listed per thread, and pool threads start the launchers. */
function processTree(root: number): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${tree[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        for (const child of readFileSync(`/proc/${tree[i]}/task/${task}/children`, 'latin1').split(' ')) if (child) tree.push(Number(child));
      } catch {
        // The thread or process ended between the two reads.
      }
    }
  }
  return tree;
}

/** Summed RSS and PSS of the tree, in kB; processes that end mid-read count as nothing. */
function treeMemory(root: number): { rss: number; pss: number } {
  let rss = 0;
  let pss = 0;
  for (const pid of processTree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
      rss += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
    } catch {
      // Ended.
    }
  }
  return { rss, pss };
}

/** Runs the scan, sampling its tree's memory; resolves with the wall time and the peaks (MB). */
function measuredScan(n: number, dump: string, env: NodeJS.ProcessEnv): Promise<{ seconds: number; rssMb: number; pssMb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, 'scan', '--jobs', String(JOBS), dump], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    let peak = { rss: 0, pss: 0 };
    const sample = () => {
      const now = treeMemory(child.pid!);
      peak = { rss: Math.max(peak.rss, now.rss), pss: Math.max(peak.pss, now.pss) };
    };
    const timer = setInterval(sample, SAMPLE_MS);
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0 || !stdout.startsWith(`${n} files in`) || !stdout.includes(`${n} done, 0 failed`)) {
        reject(new Error(`broapt did not process all ${n} files (exit ${code}):\n${stdout}`));
        return;
      }
      resolve({ seconds, rssMb: peak.rss / 1024, pssMb: peak.pss / 1024 });
    });
  });
}

/** A scan of `n` fresh files in tmpfs, measured. */
async function scanFresh(n: number): Promise<{ seconds: number; rssMb: number; pssMb: number }> {
  const dir = await fs.mkdtemp('/dev/shm/broapt-bench-memory-');
  try {
    const dump = path.join(dir, 'dump');
    await makeDump(dump, n);
    await writeTrivialApi(path.join(dir, 'api'));
    return await measuredScan(n, dump, { ...process.env, BROAPT_API_ROOT: path.join(dir, 'api'), BROAPT_LOGS_PATH: path.join(dir, 'logs'), BROAPT_LOG_LEVEL: 'warn' });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function main(sizes = [1_000, 10_000, 100_000]): Promise<void> {
  console.log(`\n(6) Memory: peak RSS and PSS of broapt scan --jobs ${JOBS} and its children, trivial report command, sampled every ${SAMPLE_MS} ms`);
  // The first run after a change of the sources strips and compiles them in every thread (40 MB more) to fill
  // Node's compile cache; a user's later runs load from it, so one untimed run comes first.
  await scanFresh(10);
  console.log('        N  seconds  peak RSS MB  peak PSS MB');
  for (const n of sizes) {
    const { seconds, rssMb, pssMb } = await scanFresh(n);
    console.log(`${String(n).padStart(9)}  ${seconds.toFixed(1).padStart(7)}  ${rssMb.toFixed(0).padStart(11)}  ${pssMb.toFixed(0).padStart(11)}`);
  }
  console.log('     target: peak RSS < 120 MB at 10,000 files, flat as N grows (the reference BroAPT: ~110 MB RSS, 59 MB PSS)');
}

// `node bench/scan-memory.ts 10000` measures the given sizes only.
if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.length > 2 ? process.argv.slice(2).map(Number) : undefined);
