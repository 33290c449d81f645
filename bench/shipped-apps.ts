/**
 * The shipped apps at pipeline speed: `broapt scan` with the shipped api.yml
 * (one warm analyzer process per worker) over a mixed real corpus, against
 * the shipped apps as they were before they went warm (commit 9edd008: per
 * file, a cold Node for the generic scan with clamscan, then a cold Node for
 * the type app), and against a floor of one cold `node -e 0` per file run by
 * `xargs -P 2`. The corpus is the benign files of ../shared/corpus and
 * ../shared/fixtures/samples, copied to N uniquely named BroAPT files on tmpfs.
 *
 *   node bench/shipped-apps.ts [N]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startClamd } from '../apps/example/clamd-server.ts';
import { mimesOf } from '../scripts/corpus.ts';
import { regularFilesUnder, run } from './workload.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(REPO, 'bin', 'broapt.js');
const JOBS = 2;
/** The last commit whose shipped apps ran cold, two Node processes per file. */
const COLD_COMMIT = '9edd008';

/** N BroAPT-named copies of the mixed corpus, round robin, MIME from libmagic as Zeek would name them. */
export function mixedDump(dump: string, n: number): string[] {
  const sources = [...regularFilesUnder(path.join(REPO, '../shared/corpus/benign')), ...regularFilesUnder(path.join(REPO, '../shared/fixtures/samples'))].filter((file) => path.basename(file) !== 'SOURCES.md').sort();
  if (sources.length === 0) throw new Error('no corpus: ../shared/corpus/benign and ../shared/fixtures/samples are missing');
  const mimes = mimesOf(sources);
  fs.mkdirSync(dump, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % sources.length;
    const ext = /\.([A-Za-z0-9]{1,8})$/.exec(sources[k]!)?.[1] ?? 'dat';
    const file = path.join(dump, `HTTP-F${String(i).padStart(17, '0')}.bench.${mimes[k]!.replace('/', '.')}.${ext}`);
    fs.copyFileSync(sources[k]!, file);
    files.push(file);
  }
  return files;
}

async function scan(apiRoot: string, dump: string, logs: string, n: number, env: NodeJS.ProcessEnv = {}): Promise<number> {
  const { seconds, stdout } = await run(process.execPath, [BIN, 'scan', '--jobs', String(JOBS), '--api-root', apiRoot, '--logs-path', logs, '--log-level', 'error', dump], { ...process.env, BROAPT_API_ROOT: '', ...env });
  const done = /(\d+) done, (\d+) failed/.exec(stdout);
  if (done === null || Number(done[1]) < n || done[2] !== '0') throw new Error(`broapt did not analyse all ${n} files:\n${stdout.slice(-2000)}`);
  return seconds;
}

/** The apps/ folder of COLD_COMMIT, from git; undefined outside a clone that has it. */
function coldApps(dir: string): string | undefined {
  try {
    execFileSync('sh', ['-c', 'git -C "$0" archive "$1" apps | tar -x -C "$2"', REPO, COLD_COMMIT, dir], { stdio: 'ignore' });
    return path.join(dir, 'apps');
  } catch {
    return undefined;
  }
}

export async function main(n = 2_000): Promise<void> {
  console.log(`\nShipped apps: broapt scan --jobs ${JOBS} over ${n} files of a mixed real corpus (benign corpus + fixture samples), on tmpfs`);
  const dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'broapt-shipped-bench-'));
  try {
    const files = mixedDump(path.join(dir, 'dump'), n);
    const floor = (await run('xargs', ['-0', '-P', String(JOBS), '-n', '1', process.execPath, '-e', '0'], process.env, `${files.join('\0')}\0`)).seconds;
    const cache = { XDG_CACHE_HOME: path.join(dir, 'cache') };
    // As deployed: one clamd per machine with the databases loaded once (a private one here, with ours).
    const clamd = await startClamd();
    let warm: number;
    try {
      warm = await scan(path.join(REPO, 'apps'), path.join(dir, 'dump'), path.join(dir, 'logs-warm'), n, { ...cache, SCAN_CLAMD: clamd.socket });
    } finally {
      await clamd.stop();
    }
    const old = coldApps(dir);
    const cold = old === undefined ? undefined : await scan(old, path.join(dir, 'dump'), path.join(dir, 'logs-cold'), n, cache);
    const rate = (s: number) => `${s.toFixed(1).padStart(7)} s ${(n / s).toFixed(1).padStart(7)} files/s`;
    console.log(`     floor: node -e 0 per file (xargs -P ${JOBS})  ${rate(floor)}`);
    console.log(`     shipped apps before (${COLD_COMMIT}, cold)     ${cold === undefined ? `   (not measured: no git history with ${COLD_COMMIT})` : rate(cold)}`);
    console.log(`     shipped apps now (warm, clamd)         ${rate(warm)}`);
    console.log(`     warm vs before: ${cold === undefined ? '-' : `${(cold / warm).toFixed(1)}×`}   warm vs floor: ${(floor / warm).toFixed(2)}×`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 2_000));
