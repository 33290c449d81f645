import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDump } from './workload.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));
const SCAN_APP = fileURLToPath(new URL('../apps/example/', import.meta.url));
const JOBS = 2;

/** broapt scan with the generic scan app, warm (one process per worker), in the given YARA mode: seconds for all files. */
async function scanSeconds(dir: string, mode: 'compiled' | 'source', n: number): Promise<number> {
  const api = path.join(dir, `api-${mode}`);
  await fs.mkdir(api, { recursive: true });
  await fs.writeFile(
    path.join(api, 'api.yml'),
    `environment:\n  NODE: \${BROAPT_NODE}\nexample:\n  workdir: ${SCAN_APP}\n  warm: true\n  environ:\n    SCAN_YARA_MODE: ${mode}\n    XDG_CACHE_HOME: ${path.join(dir, 'cache')}\n  report: '"$NODE" scan.ts'\n`,
  );
  const started = performance.now();
  const result = spawnSync(process.execPath, [BIN, 'scan', '--jobs', String(JOBS), '--api-root', api, '--logs-path', path.join(dir, `logs-${mode}`), path.join(dir, 'dump')], {
    encoding: 'utf8',
    env: { ...process.env, BROAPT_LOG_LEVEL: 'warn' },
  });
  const seconds = (performance.now() - started) / 1000;
  if (!result.stdout.includes(`${n} done, 0 failed`)) throw new Error(`broapt did not process all ${n} files:\n${result.stdout}${result.stderr}`);
  return seconds;
}

/**
 * Per-file cost of the shipped generic scan (hashes, entropy, libmagic, YARA,
 * ClamAV) over the same files, with the rules compiled once by yarac against
 * recompiled from source for every file: the reason the app compiles them.
 */
export async function main(n = 2_000): Promise<void> {
  console.log(`\nYARA rules: the generic scan app (apps/example, warm, --jobs ${JOBS}) over ${n} files: YARA rules compiled once (yarac) vs from source per file`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-yara-bench-'));
  try {
    await makeDump(path.join(dir, 'dump'), n);
    const compiled = await scanSeconds(dir, 'compiled', n);
    const source = await scanSeconds(dir, 'source', n);
    const perFile = (s: number) => `${((s * 1000 * JOBS) / n).toFixed(1)} ms/file`;
    console.log(`     compiled: ${compiled.toFixed(1)} s (${perFile(compiled)} of worker time)   source: ${source.toFixed(1)} s (${perFile(source)})   source/compiled: ${(source / compiled).toFixed(2)}×`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 2_000));
