/**
 * A logs disk that fills up (issue 13, item 2): `broapt scan` over N files
 * (2,000 by default) with its logs on a 2 MB tmpfs, which holds a few hundred
 * files' records and API logs. Prints how many files were analysed, how many
 * are left for the next run, and the exit code: the run must stop, fail no
 * file and exit non-zero. Needs root (mount). `npm run stress` calls
 * fullDiskScenario(); `node bench/full-disk.ts [N]` prints it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountTmpfs, unmount } from '../test/helpers/mounts.ts';
import { makeDump, writeTrivialApi } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));

export interface FullDiskOutcome {
  /** Files in dump.log after the run. */
  analysed: number;
  /** Files neither in dump.log nor in fail.log: the next run takes them. */
  left: number;
  exitCode: number | null;
}

async function lines(file: string): Promise<Set<string>> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  return new Set(text.split('\n').filter((line) => line !== ''));
}

export async function fullDiskScenario(options: { files?: number } = {}): Promise<FullDiskOutcome> {
  const files = options.files ?? 2_000;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-full-disk-'));
  const logs = path.join(dir, 'logs');
  try {
    await makeDump(path.join(dir, 'dump'), files);
    await writeTrivialApi(path.join(dir, 'api'));
    await fs.mkdir(logs);
    mountTmpfs(logs, '2m');
    try {
      const env = { ...process.env, BROAPT_API_ROOT: path.join(dir, 'api'), BROAPT_LOGS_PATH: logs, BROAPT_LOG_LEVEL: 'silent' };
      const child = spawn(process.execPath, [BIN, 'scan', '--jobs', '2', path.join(dir, 'dump')], { env, stdio: 'ignore' });
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        child.on('error', reject);
        child.on('close', resolve);
      });
      const done = await lines(path.join(logs, 'dump.log'));
      const failed = await lines(path.join(logs, 'fail.log'));
      return { analysed: done.size, left: files - done.size - failed.size, exitCode };
    } finally {
      unmount(logs);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

async function main(files: number): Promise<void> {
  const { analysed, left, exitCode } = await fullDiskScenario({ files });
  process.stdout.write(`full logs disk (2 MB tmpfs, ${files} files): ${analysed} files analysed, ${left} files left for the next run, exit code ${exitCode}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 2_000));
