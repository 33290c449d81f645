/**
 * `npm run stress`: hostile input stays bounded (issue 13). A 42.zip-style
 * nested zip (16 zips per level, 5 levels, about 20 KB; some 70,000 members
 * within the depth limit) is scanned with the shipped apps and api.yml, logs on
 * tmpfs, a private clamd as deployed; `du` samples the logs folder meanwhile.
 * Prints records, bytes unpacked, seconds, peak and final disk under logs; then
 * the full-disk scenario (bench/full-disk.ts) when it is there.
 *
 *   node bench/stress.ts [PER_LEVEL [LEVELS]]
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nestedZip } from '../apps/archive/fixture.ts';
import { startClamd } from '../apps/example/clamd-server.ts';
import { MAX_CHILD_DEPTH } from '../source/report/children.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(REPO, 'bin', 'broapt.js');
const SAMPLE_MS = 1000;

/** Bytes under `dir` as `du -sb` counts them; 0 when du fails (the folder not made yet). */
function du(dir: string): Promise<number> {
  return new Promise((resolve) => execFile('du', ['-sb', '--', dir], (error, stdout) => resolve(error ? 0 : Number(stdout.split('\t')[0]) || 0)));
}

const mb = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MB`;

interface Outcome {
  records: number;
  unpackedBytes: number;
  seconds: number;
  peakLogBytes: number;
  finalLogBytes: number;
  exitCode: number | null;
  rootRules: string[];
}

/** `broapt scan` over a dump holding the bomb alone, with `du` sampled until it ends. */
async function scanBomb(dir: string, bomb: Buffer, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const dump = path.join(dir, 'dump');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(dump, { recursive: true });
  fs.writeFileSync(path.join(dump, 'HTTP-F00000000000000042.stress.application.zip.zip'), bomb);
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'scan', '--jobs', '2', '--api-root', path.join(REPO, 'apps'), '--logs-path', logs, '--log-level', 'error', dump], { env: { ...process.env, BROAPT_API_ROOT: '', ...env }, stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let peak = 0;
  let running = true;
  void exited.then(() => (running = false));
  while (running) {
    peak = Math.max(peak, await du(logs));
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, SAMPLE_MS))]);
  }
  const exitCode = await exited;
  const seconds = (performance.now() - started) / 1000;
  const finalLogBytes = await du(logs);
  const records = fs.readFileSync(path.join(logs, 'processed.jsonl'), 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as { parentFuid?: string; findings?: Array<{ rule: string }>; reports?: Array<{ details: { size?: unknown } }> });
  const sizeOf = (record: (typeof records)[number]) => Number(record.reports?.find((report) => typeof report.details.size === 'number')?.details.size ?? 0);
  const unpackedBytes = records.filter((record) => record.parentFuid !== undefined).reduce((sum, record) => sum + sizeOf(record), 0);
  const root = records.find((record) => record.parentFuid === undefined);
  return { records: records.length, unpackedBytes, seconds, peakLogBytes: Math.max(peak, finalLogBytes), finalLogBytes, exitCode, rootRules: (root?.findings ?? []).map((f) => f.rule).filter((rule) => rule.startsWith('archive.')) };
}

/** The other helper's full-disk scenario, when bench/full-disk.ts exists at this commit. */
async function fullDisk(): Promise<void> {
  const file = new URL('./full-disk.ts', import.meta.url);
  console.log('\nFull disk: the dump and logs on a tmpfs that fills mid-run');
  if (!fs.existsSync(file)) {
    console.log('     (not measured: bench/full-disk.ts is not in this tree)');
    return;
  }
  const { fullDiskScenario } = (await import(file.href)) as { fullDiskScenario: () => Promise<{ analysed: number; left: number; exitCode: number | null }> };
  const { analysed, left, exitCode } = await fullDiskScenario();
  console.log(`     files analysed ${analysed}   files left for the next run ${left}   exit code ${exitCode}`);
}

export async function main(perLevel = 16, levels = 5): Promise<void> {
  const bomb = nestedZip(perLevel, levels);
  const within = Array.from({ length: Math.min(levels, MAX_CHILD_DEPTH) }, (_, i) => perLevel ** (i + 1)).reduce((a, b) => a + b, 0);
  console.log(`\nNested zip bomb: ${perLevel} zips per level, ${levels} levels, ${bomb.length} bytes (${within} members within the depth limit), broapt scan --jobs 2 with the shipped apps, logs on tmpfs`);
  const dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'broapt-stress-'));
  const clamd = await startClamd();
  try {
    const o = await scanBomb(dir, bomb, { SCAN_CLAMD: clamd.socket, XDG_CACHE_HOME: path.join(dir, 'cache') });
    console.log(`     records ${o.records}   bytes unpacked ${o.unpackedBytes} (${mb(o.unpackedBytes)})   seconds ${o.seconds.toFixed(1)}   peak disk under logs ${mb(o.peakLogBytes)}   left under logs ${mb(o.finalLogBytes)}   exit code ${o.exitCode}`);
    console.log(`     the bomb's record: ${o.rootRules.join(', ') || 'no archive finding'}`);
  } finally {
    await clamd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await fullDisk();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 16), Number(process.argv[3] ?? 5));
