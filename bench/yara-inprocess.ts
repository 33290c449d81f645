import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDump } from './workload.ts';
import { costLine, mean, takingTurns, WarmScan } from './yara-rules.ts';

/**
 * Per-file cost of the generic scan app (warm) with YARA in process (YARA-X)
 * against the yara CLI with compiled rules, over the same files, taking
 * turns. ClamAV is off in both, so the difference is YARA's alone.
 */
export async function main(n = 2_000): Promise<void> {
  console.log(`\nYARA in process: the generic scan app (apps/example, warm, ClamAV off) over ${n} files, YARA-X in process vs the yara CLI (compiled rules), taking turns`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-yara-inprocess-bench-'));
  const env = { XDG_CACHE_HOME: path.join(dir, 'cache'), SCAN_CLAMAV_DB: 'off' };
  const inProcess = new WarmScan({ ...env, SCAN_YARA_ENGINE: 'inprocess' });
  const cli = new WarmScan({ ...env, SCAN_YARA_ENGINE: 'cli' });
  try {
    const files = await makeDump(path.join(dir, 'dump'), n);
    const [inProcessTimes, cliTimes] = await takingTurns(inProcess, cli, files);
    console.log(`     ${costLine('in-process', inProcessTimes)}   ${costLine('CLI', cliTimes)}   CLI/in-process: ${(mean(cliTimes) / mean(inProcessTimes)).toFixed(2)}×`);
  } finally {
    inProcess.close();
    cli.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 2_000));
