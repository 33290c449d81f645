import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launchWith } from '../runner/isolate.ts';
import type { Isolation } from '../runner/plan.ts';
import { makeOutputDir, removeRunDir } from '../runner/output-dir.ts';

/** What a `check` command came to: `problem` is undefined when it passed; `output` is what it printed. */
export interface CheckRun {
  problem?: string;
  output: string;
}

/** Keep the end of what a check printed: its verdict is there, and a chatty one must not fill memory. */
const OUTPUT_CHARS = 4000;

/**
 * Runs one `check` command where the app's files will run: on the host, or in
 * the app's sandbox (which shows it only its workdir, mounts and the system).
 */
export function runCheck(command: string, cwd: string, env: Record<string, string>, timeoutMs: number, isolation?: Isolation): Promise<CheckRun> {
  return isolation === undefined ? runOnHost(command, cwd, env, timeoutMs) : runIsolated(command, cwd, env, timeoutMs, isolation);
}

function runOnHost(command: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<CheckRun> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout kills what the check started too (the shipped one runs node, yarac, clamscan).
    const child = spawn('/bin/sh', ['-c', command], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_CHARS));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ problem: error.message, output }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ output });
      resolve({ problem: failure(command, timedOut ? `did not finish within ${timeoutMs / 1000} s` : signal ? `was killed by ${signal}` : `exited ${code}`, output), output });
    });
  });
}

async function runIsolated(command: string, cwd: string, env: Record<string, string>, timeoutMs: number, isolation: Isolation): Promise<CheckRun> {
  const folder = makeOutputDir(undefined, undefined);
  const logFile = path.join(folder, 'check.log');
  try {
    const outcome = await launchWith(isolation, { command, cwd, env, logFile, header: '', timeoutMs });
    const output = fs.readFileSync(logFile, 'utf8').slice(-OUTPUT_CHARS);
    if (outcome.exitCode === 0) return { output };
    const how = outcome.timedOut ? `did not finish within ${timeoutMs / 1000} s` : outcome.error ?? (outcome.signal ? `was killed by ${outcome.signal}` : `exited ${outcome.exitCode}`);
    return { problem: failure(command, `${how} (in the ${isolation.kind})`, output), output };
  } finally {
    removeRunDir(folder);
  }
}

function failure(command: string, how: string, output: string): string {
  return `check \`${command}\` ${how}${output.trim() ? `:\n      ${output.trim().split('\n').join('\n      ')}` : ''}`;
}
