import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxImage, ENGINE_ENV } from '../test/helpers/container.ts';

const BIN = fileURLToPath(new URL('../bin/broapt.js', import.meta.url));
const REPO = fileURLToPath(new URL('../', import.meta.url));
const JOBS = 2;
const RUNNERS = ['host', 'sandbox', 'container'] as const;

/**
 * The shipped default app (apps/example/scan.ts: hashes, entropy, MIME, YARA,
 * ClamAV) under each runner. It is TypeScript on broapt's Node 24: the sandbox
 * and the container see the repository (read-only) for it, and the container,
 * built on busybox since no registry is reachable, also sees the host's /usr
 * for node, yara and clamscan.
 */
function apiYml(runner: (typeof RUNNERS)[number], warm: boolean, image: string): string {
  const mounts = runner === 'container' ? ['/usr', '/usr/lib:/lib', '/usr/lib64:/lib64', '/etc/ld.so.cache', REPO] : runner === 'sandbox' ? [REPO] : [];
  return `example:
  workdir: ${path.join(REPO, 'apps', 'example')}
  runner: ${runner}
  image: ${image}
  warm: ${warm}
  mounts: ${JSON.stringify(mounts)}
  environ:
    PATH: /usr/local/bin:/usr/bin:/bin
    NODE: ${process.execPath}
  report: '"$NODE" scan.ts'
`;
}

async function scan(api: string, dump: string, logs: string, n: number): Promise<number> {
  const started = performance.now();
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'scan', '--jobs', String(JOBS), '--api-root', api, '--logs-path', logs, dump], { env: { ...process.env, ...ENGINE_ENV, BROAPT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
  const seconds = (performance.now() - started) / 1000;
  if (!stdout.includes(`${n} done, 0 failed`)) throw new Error(`broapt did not analyse all ${n} files:\n${stdout.slice(-3000)}`);
  return seconds;
}

/**
 * Per-file cost of the default app cold (a process, sandbox or container per
 * file) and warm (one per worker, files over stdin), per runner, in one run.
 * Cold runs take BENCH_RUNNER_COLD_FILES files (default 100: a cold container
 * costs seconds per file), warm runs BENCH_RUNNER_FILES (default 1,000);
 * BENCH_RUNNERS (e.g. `sandbox,container`) picks runners.
 */
export async function main(): Promise<void> {
  const warmFiles = Number(process.env.BENCH_RUNNER_FILES ?? 1000);
  const coldFiles = Number(process.env.BENCH_RUNNER_COLD_FILES ?? 100);
  console.log(`\nRunners: the default app (apps/example scan.ts) per file, cold (${coldFiles} files) vs warm (${warmFiles} files), --jobs ${JOBS}`);
  console.log('     runner      cold ms/file  warm ms/file  cold/warm');
  const image = busyboxImage();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-bench-runners-'));
  try {
    const only = process.env.BENCH_RUNNERS?.split(',');
    for (const runner of RUNNERS.filter((name) => only === undefined || only.includes(name))) {
      const cost: number[] = [];
      for (const [warm, n] of [[false, coldFiles], [true, warmFiles]] as const) {
        const base = path.join(dir, `${runner}-${warm ? 'warm' : 'cold'}`);
        const dump = path.join(base, 'dump');
        await fs.mkdir(dump, { recursive: true });
        // Distinct small texts, so no cache anywhere could answer for another file.
        for (let i = 0; i < n; i++) await fs.writeFile(path.join(dump, `HTTP-F${String(i).padStart(17, '0')}.bench.text.plain.txt`), `file ${i} ${'lorem ipsum '.repeat(i % 50)}\n`);
        await fs.writeFile(path.join(base, 'api.yml'), apiYml(runner, warm, image));
        cost.push(((await scan(path.join(base, 'api.yml'), dump, path.join(base, 'logs'), n)) * 1000) / n);
        await fs.rm(base, { recursive: true, force: true });
      }
      const [cold, warm] = cost as [number, number];
      console.log(`     ${runner.padEnd(10)}  ${cold.toFixed(1).padStart(12)}  ${warm.toFixed(1).padStart(12)}  ${(cold / warm).toFixed(1).padStart(8)}x`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
