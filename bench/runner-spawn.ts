// Per-spawn cost of runCommand against a bare spawn of `sh -c true`, a spawn writing to a fresh
// log file (creating a file is far from free on a journaling disk), and the target,
// `xargs -P2 sh -c true`, so the runner's own overhead (log header and footer, process group,
// timer) shows. Run: node bench/runner-spawn.ts
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../source/runner/host.ts';
import { succeeded } from '../source/runner/result.ts';

const RUNS = 2_000;
const CONCURRENCY = 2;
// Lets the JIT and the page cache settle so the first measured series is not penalised.
const WARM_UP = 100;

function shell(command: string, out: 'ignore' | number = 'ignore'): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', out, out] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited ${code}`))));
  });
}

/** Milliseconds per run of `runs` calls of `once`, CONCURRENCY at a time. */
async function perRun(runs: number, once: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < runs) await once(next++);
    }),
  );
  return (performance.now() - started) / runs;
}

export async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-bench-'));
  const runner = async (i: number) => {
    const result = await runCommand({
      phase: 'scripts',
      index: 1,
      command: 'true',
      cwd: dir,
      env: { BROAPT_PATH: `/tmp/F${i}.bin` },
      logFile: path.join(dir, 'example', `F${i}-scripts.1`),
      timeoutMs: 10_000,
      maxAttempts: 1,
      backoffCapMs: 0,
    });
    if (!succeeded(result)) throw new Error(`run ${i} failed: ${JSON.stringify(result)}`);
  };
  const raw = () => shell('true');
  const rawLogged = async (i: number) => {
    const fd = fs.openSync(path.join(dir, `raw-${i}`), 'a');
    try {
      await shell('true', fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  try {
    await perRun(WARM_UP, raw);
    await perRun(WARM_UP, runner);
    const rawMs = await perRun(RUNS, raw);
    const rawLoggedMs = await perRun(RUNS, rawLogged);
    const runnerMs = await perRun(RUNS, runner);
    const xargsMs = await perRun(1, () => shell(`seq ${RUNS} | xargs -P${CONCURRENCY} -n1 sh -c true`)) / RUNS;
    const row = (name: string, ms: number) => console.log(`${name.padEnd(34)} ${ms.toFixed(3)} ms/spawn`);
    console.log(`${RUNS} runs of \`sh -c true\`, ${CONCURRENCY} at a time`);
    row(`xargs -P${CONCURRENCY} (target)`, xargsMs);
    row('child_process.spawn', rawMs);
    row('child_process.spawn, new log file', rawLoggedMs);
    row('runCommand', runnerMs);
    const over = (base: number) => `${(runnerMs - base).toFixed(3)} ms/spawn (${((runnerMs / base - 1) * 100).toFixed(0)}%)`;
    console.log(`runCommand overhead: ${over(rawMs)} over raw spawn, ${over(rawLoggedMs)} over spawn with a new log file`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
