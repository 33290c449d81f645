// Commands run through a persistent /bin/sh per thread (./launcher.ts) rather than a spawn
// each: Node's spawn forks the whole pool process, which costs 2-3x the command itself.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearReport } from '../report/collect.ts';
import { launchWith } from './isolate.ts';
import type { LaunchOutcome } from './launcher.ts';
import type { Isolation } from './plan.ts';
import { succeeded, type CommandResult, type Phase } from './result.ts';

export interface CommandSpec {
  /** For the result and the log name. */
  phase: Phase;
  index: number;
  /** Shell code, run by /bin/sh byte for byte, as `sh -c` would. */
  command: string;
  cwd: string;
  /** Variables added to the process environment (api.yml's and BROAPT_*); printed in the log header. */
  env: Record<string, string>;
  /** API log file; missing parent folders are created. */
  logFile: string;
  /** Per attempt. */
  timeoutMs: number;
  /** The command's `$BROAPT_REPORT` (set in `env` by the caller): removed before each attempt, so a report is always the last attempt's own. */
  reportFile?: string;
  /** Sandbox or container the command runs in; absent: on the host, as it is. */
  isolation?: Isolation;
  /** Hand the file to the app's warm process (api.yml `warm: true`) instead of running the command. */
  warm?: boolean;
  /** At least 1; attempts stop at the first success. */
  maxAttempts: number;
  /** Delay before attempt n+1 is min(cap, 250 ms * 2^(n-1)); 0 means retry at once. */
  backoffCapMs: number;
}

const BACKOFF_BASE_MS = 250;
// Values safe to print bare in the `# env:` header (the characters shlex.quote leaves alone).
const BARE_VALUE = /^[\w@%+=:,./-]+$/;

/**
 * Run one command of an app, retrying until it succeeds or attempts run out. Failures of the
 * command, including one that cannot start, come back in the result; only a malformed spec throws.
 */
export async function runCommand(spec: CommandSpec): Promise<CommandResult> {
  checkSpec(spec);
  const started = performance.now();
  for (let attempts = 1; ; attempts++) {
    if (spec.reportFile !== undefined) clearReport(spec.reportFile);
    const outcome = await runAttempt(spec);
    const result: CommandResult = {
      phase: spec.phase,
      index: spec.index,
      command: spec.command,
      ...outcome,
      durationMs: Math.round(performance.now() - started),
      attempts,
      log: spec.logFile,
    };
    // Another attempt cannot write the log either: retrying only slows the run down before it stops.
    if (succeeded(result) || result.logUnwritable || attempts === spec.maxAttempts) return result;
    const delay = Math.min(spec.backoffCapMs, BACKOFF_BASE_MS * 2 ** (attempts - 1));
    if (delay > 0) await sleep(delay);
  }
}

function checkSpec(spec: CommandSpec): void {
  if (!Number.isInteger(spec.maxAttempts) || spec.maxAttempts < 1) {
    throw new RangeError(`runCommand: maxAttempts ${spec.maxAttempts} must be a whole number of at least 1.`);
  }
  if (!Number.isFinite(spec.timeoutMs) || spec.timeoutMs <= 0) {
    throw new RangeError(`runCommand: timeoutMs ${spec.timeoutMs} must be a positive number.`);
  }
  if (!Number.isFinite(spec.backoffCapMs) || spec.backoffCapMs < 0) {
    throw new RangeError(`runCommand: backoffCapMs ${spec.backoffCapMs} must be a number of at least 0.`);
  }
}

/**
 * One attempt: one header/footer block in the log. The launcher writes the header and
 * the output; the footer is written here, where the outcome is known. File operations
 * are synchronous on purpose: they are tiny, and the async versions would queue on
 * libuv's small thread pool, which every Piscina worker of the process shares.
 */
async function runAttempt(spec: CommandSpec): Promise<LaunchOutcome> {
  const folder = path.dirname(spec.logFile);
  const run = () => launchWith(spec.isolation, { command: spec.command, cwd: spec.cwd, env: spec.env, logFile: spec.logFile, header: header(spec), timeoutMs: spec.timeoutMs }, spec.warm);
  try {
    ensureFolder(folder);
  } catch (error) {
    return { exitCode: null, signal: null, timedOut: false, error: `cannot create the log folder of ${spec.logFile} (${(error as Error).message})`, logUnwritable: true };
  }
  let outcome = await run();
  if (outcome.logUnwritable && madeFolders.delete(folder)) {
    // The folder was there once: log rotation or clean-up removed it during a long run. Make it again.
    try {
      ensureFolder(folder);
      outcome = await run();
    } catch {
      // Keep the first outcome: it says the log cannot be written.
    }
  }
  try {
    // 'a+' rather than 'a' so the footer can check whether the output ended its last line.
    const fd = fs.openSync(spec.logFile, 'a+');
    try {
      fs.writeSync(fd, `${endsLine(fd) ? '' : '\n'}# exit: ${describe(outcome, spec.timeoutMs)}\n# close: ${ctime(new Date())}\n`);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    return outcome.error === undefined ? { ...outcome, error: `cannot write log file ${spec.logFile} (${(error as Error).message})`, logUnwritable: true } : outcome;
  }
  return outcome;
}

/** Log folders already made by this thread: one per MIME type, asked for once per command. */
const madeFolders = new Set<string>();

function ensureFolder(folder: string): void {
  if (madeFolders.has(folder)) return;
  fs.mkdirSync(folder, { recursive: true });
  madeFolders.add(folder);
}

function header(spec: CommandSpec): string {
  const env = Object.entries(spec.env).map(([key, value]) => `${key}=${BARE_VALUE.test(value) ? value : JSON.stringify(value)}`);
  return `# open: ${ctime(new Date())}\n# cwd: ${spec.cwd}\n${['# env:', ...env].join(' ')}\n# args: ${spec.command}\n`;
}

/** Whether the log ends with a newline, so the footer starts a line of its own. */
function endsLine(fd: number): boolean {
  const { size } = fs.fstatSync(fd);
  const last = Buffer.alloc(1);
  return size === 0 || (fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a);
}

function describe(outcome: LaunchOutcome, timeoutMs: number): string {
  if (outcome.error !== undefined) return `error ${outcome.error}`;
  if (outcome.timedOut) return `timeout after ${timeoutMs / 1000}s`;
  if (outcome.signal !== null) return `signal ${outcome.signal}`;
  return String(outcome.exitCode);
}

/** Local time as C's ctime() and Python's time.ctime() print it, as the reference logs do: `Mon Nov  3 11:21:12 2026`. */
function ctime(date: Date): string {
  // Date#toString is specified as `Mon Nov 03 2026 11:21:12 GMT+0000 (...)`.
  const [weekday, month, day, year, time] = date.toString().split(' ');
  return `${weekday} ${month} ${String(Number(day)).padStart(2)} ${time} ${year}`;
}
