// node:child_process rather than execa: on 2,000 `sh -c true` runs, 2 at a time, raw spawn
// cost ~1.0-1.4 ms per run and execa ~1.5-1.6 ms. execa's extras (stream plumbing,
// signal-exit cleanup, promise wrapping) buy nothing here: output goes to a file descriptor
// and the timeout must kill a whole process group, which execa does not do either.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { succeeded, type CommandResult, type Phase } from './result.ts';

export interface CommandSpec {
  /** For the result and the log name. */
  phase: Phase;
  index: number;
  /** Run as `/bin/sh -c command`, byte for byte. */
  command: string;
  cwd: string;
  /** The complete environment of the child. */
  env: Record<string, string>;
  /** The app-specific variables printed in the log header; never the whole environment. */
  logEnv: Record<string, string>;
  /** API log file; missing parent folders are created. */
  logFile: string;
  /** Per attempt. */
  timeoutMs: number;
  /** At least 1; attempts stop at the first success. */
  maxAttempts: number;
  /** Delay before attempt n+1 is min(cap, 250 ms * 2^(n-1)); 0 means retry at once. */
  backoffCapMs: number;
}

/** How one attempt ended. */
interface Outcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  error?: string;
}

const BACKOFF_BASE_MS = 250;
// Longer delays make setTimeout fire at once, which would turn a huge timeout into none.
const MAX_TIMER_MS = 2 ** 31 - 1;
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
    if (succeeded(result) || attempts === spec.maxAttempts) return result;
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
 * One attempt: one header/footer block in the log. File operations are synchronous on purpose:
 * they are tiny, and the async versions would queue on libuv's small thread pool, which every
 * Piscina worker of the process shares.
 */
async function runAttempt(spec: CommandSpec): Promise<Outcome> {
  let fd: number;
  try {
    fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
    // 'a+' rather than 'a' so the footer can check whether the output ended its last line.
    fd = fs.openSync(spec.logFile, 'a+');
  } catch (error) {
    return failure(error, `cannot open log file ${spec.logFile}`);
  }
  try {
    fs.writeSync(fd, header(spec));
    const outcome = await spawnInGroup(spec, fd).catch((error: unknown) => failure(error, spawnFailure(error, spec.cwd)));
    fs.writeSync(fd, `${endsLine(fd) ? '' : '\n'}# exit: ${describe(outcome, spec.timeoutMs)}\n# close: ${ctime(new Date())}\n`);
    return outcome;
  } catch (error) {
    return failure(error, `cannot write log file ${spec.logFile}`);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The child leads its own process group, so the timeout can SIGKILL everything it started.
 * The group is also killed when the leader exits normally: an analyzer of malware that leaves
 * a daemon behind (`sleep 1000 &`) must not outlive its command, and nothing it started may
 * keep writing to the log. SIGKILL is final once kill(2) returns; orphans it leaves become
 * zombies of init, which reaps them. A process that calls setsid() leaves the group and
 * escapes this; containing that is the sandbox's job, not the runner's.
 */
function spawnInGroup(spec: CommandSpec, fd: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', spec.command], {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    const pid = child.pid;
    if (pid === undefined) {
      // Node reports why the start failed on the next tick.
      child.once('error', reject);
      return;
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid);
    }, Math.min(spec.timeoutMs, MAX_TIMER_MS));
    child.once('exit', (exitCode, signal) => {
      clearTimeout(timer);
      killGroup(pid);
      resolve({ exitCode, signal, timedOut });
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already empty, the usual case. EPERM: a member became setuid; nothing more can be done.
  }
}

/** Turn a system error into an outcome; anything else is a bug and propagates. */
function failure(error: unknown, what: string | undefined): Outcome {
  if (!(error instanceof Error) || typeof (error as NodeJS.ErrnoException).errno !== 'number') throw error;
  return { exitCode: null, signal: null, timedOut: false, error: what === undefined ? error.message : `${what} (${error.message})` };
}

/** Node blames `/bin/sh` when the working directory is the problem; say which it is. */
function spawnFailure(error: unknown, cwd: string): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' && !fs.existsSync(cwd)) return `working directory ${cwd} does not exist`;
  if (code === 'ENOTDIR') return `working directory ${cwd} is not a folder`;
  return undefined;
}

function header(spec: CommandSpec): string {
  const env = Object.entries(spec.logEnv).map(([key, value]) => `${key}=${BARE_VALUE.test(value) ? value : JSON.stringify(value)}`);
  return `# open: ${ctime(new Date())}\n# cwd: ${spec.cwd}\n${['# env:', ...env].join(' ')}\n# args: ${spec.command}\n`;
}

/** Whether the log ends with a newline, so the footer starts a line of its own. */
function endsLine(fd: number): boolean {
  const { size } = fs.fstatSync(fd);
  const last = Buffer.alloc(1);
  return size === 0 || (fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a);
}

function describe(outcome: Outcome, timeoutMs: number): string {
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
