import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDump, run, writeTrivialApi } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));
const JOBS = 2;

/** broapt scan's wall time, after checking it processed every file: a fast run that skipped work is no result. */
async function timedScan(n: number, dump: string, env: NodeJS.ProcessEnv): Promise<number> {
  const scan = await run(process.execPath, [BIN, 'scan', '--jobs', String(JOBS), dump], env);
  if (!scan.stdout.startsWith(`${n} files in`) || !scan.stdout.includes(`${n} done, 0 failed`)) throw new Error(`broapt did not process all ${n} files:\n${scan.stdout}`);
  return scan.seconds;
}

/** Milliseconds to create one small file in a new folder under `dir` (500 creations); the folder is left for the caller to delete with the rest. */
async function createCostMs(dir: string, made: string[]): Promise<number> {
  const folder = await fs.mkdtemp(path.join(dir, 'broapt-create-'));
  made.push(folder);
  const started = performance.now();
  for (let i = 0; i < 500; i++) await fs.writeFile(path.join(folder, `f${i}`), '# open\n');
  return (performance.now() - started) / 500;
}

/**
 * broapt scan (a full CLI run: start-up, listing, pool, history, records, API
 * logs) against the floor of the same command spawned by `xargs -P 2 sh -c`,
 * on the same files, in the same run. Nothing is deleted until every run is
 * timed: on an ext4 without a journal, a file created within minutes of a
 * mass deletion in the same block group costs up to 30x more (the allocator
 * skips recently freed inodes one by one), and broapt creates one API log per
 * command while the floor creates none.
 */
export async function main(sizes = [1_000, 20_000]): Promise<void> {
  console.log(`\n(1) Throughput: broapt scan vs xargs -P ${JOBS} sh -c, trivial report command, 10 MIME types`);
  console.log('     broapt creates one API log per command (the reference layout), the floor none: the tmpfs row shows broapt without that cost.');
  console.log('     N   xargs s  xargs f/s  broapt s  broapt f/s  ratio   logs on tmpfs: s  f/s  ratio');
  const made: string[] = [];
  try {
    const before = await createCostMs(os.tmpdir(), made);
    for (const n of sizes) {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-bench-'));
      made.push(dir);
      const dump = path.join(dir, 'dump');
      const files = await makeDump(dump, n);
      await writeTrivialApi(path.join(dir, 'api'));
      const floor = (await run('xargs', ['-0', '-P', String(JOBS), '-n', '1', 'sh', '-c', ': "$1"', 'sh'], process.env, `${files.join('\0')}\0`)).seconds;
      const env = { ...process.env, BROAPT_API_ROOT: path.join(dir, 'api'), BROAPT_LOGS_PATH: path.join(dir, 'logs'), BROAPT_LOG_LEVEL: 'warn' };
      const ours = await timedScan(n, dump, env);
      const shm = await fs.mkdtemp('/dev/shm/broapt-bench-logs-');
      made.push(shm);
      const onTmpfs = await timedScan(n, dump, { ...env, BROAPT_LOGS_PATH: shm });
      const line = [
        String(n).padStart(6),
        floor.toFixed(2).padStart(9),
        (n / floor).toFixed(0).padStart(10),
        ours.toFixed(2).padStart(9),
        (n / ours).toFixed(0).padStart(11),
        `${(floor / ours).toFixed(2)}x`.padStart(6),
        onTmpfs.toFixed(2).padStart(18),
        (n / onTmpfs).toFixed(0).padStart(5),
        `${(floor / onTmpfs).toFixed(2)}x`.padStart(6),
      ];
      console.log(line.join(' '));
    }
    const after = await createCostMs(os.tmpdir(), made);
    console.log(`     creating a file cost ${before.toFixed(3)} ms on this disk (${os.tmpdir()}) before the runs, ${after.toFixed(3)} ms after them; ${(await createCostMs('/dev/shm', made)).toFixed(3)} ms on tmpfs`);
  } finally {
    for (const dir of made) await fs.rm(dir, { recursive: true, force: true });
  }
  console.log('     target: ratio >= 0.5x (the reference BroAPT reaches 0.38-0.55x here)');
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
