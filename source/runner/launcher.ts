import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';

/**
 * Why a launcher: Node starts a child with fork(2), whose cost grows with the
 * parent's memory (measured here: 0.9 ms per `sh -c` from a small Node, 2.6 ms
 * from one holding 380 MB), and a pool process holds the main isolate plus every
 * worker's. A long-lived /bin/sh is tiny, so it forks for almost nothing. Each
 * launcher runs one command at a time: Node writes it a block of shell code, the
 * shell runs the command in a subshell with output appended to the API log, and
 * answers one status line.
 *
 * Nothing from a file name or api.yml is ever spliced into that code unquoted:
 * every value goes through `quote()`, POSIX single quoting, inside which the
 * shell interprets no character at all. The command text reaches `eval` as one
 * quoted word, exactly as `sh -c` would receive it, and file-derived values reach
 * it only as exported variables.
 */

/** What one command run needs. `env` is added to the launcher's (the process's) environment. */
export interface Launch {
  command: string;
  cwd: string;
  env: Record<string, string>;
  logFile: string;
  /** Written to the log before the command's output. */
  header: string;
  timeoutMs: number;
}

export interface LaunchOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  error?: string;
  /** The log file could not be opened: the command did not run. */
  logUnwritable?: true;
}

// Longer delays make setTimeout fire at once, which would turn a huge timeout into none.
const MAX_TIMER_MS = 2 ** 31 - 1;
const SIGNAL_NAMES = new Map(Object.entries(os.constants.signals).map(([name, number]) => [number, name]));
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The first variable name a shell cannot export, if any. */
export function invalidEnvName(env: Record<string, string>): string | undefined {
  return Object.keys(env).find((name) => !ENV_NAME.test(name));
}

/** POSIX single quoting: the shell reads everything between the quotes literally. */
export function quote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Shell code running `command` with its data size (RLIMIT_DATA: heap and
 * written mappings) at most `bytes`, as the sandbox's prlimit --data does.
 */
export function withDataLimit(bytes: number, command: string): string {
  return `ulimit -d ${Math.ceil(bytes / 1024)} || exit 125\n${command}`;
}

/** `$$` or `${$}`: the command asks for its own shell's PID. */
const OWN_PID = /\$\$|\$\{\$\}/;

/**
 * The code for one run. The command is `eval`ed in a subshell: the same shell
 * language `sh -c` speaks, without exec'ing a second shell per command. The one
 * visible difference is `$$`, which in a subshell is the launcher's PID, so a
 * command that uses it gets a shell of its own. The launcher ignores SIGTERM
 * (see `LAUNCHER_SETUP`); the subshell restores it, so the commands it starts
 * can be stopped with it.
 */
function script(launch: Launch): string {
  const exports = Object.entries(launch.env)
    .map(([name, value]) => `${name}=${quote(value)}`)
    .join(' ');
  const log = quote(launch.logFile);
  return [
    `if ! cd -- ${quote(launch.cwd)} 2>/dev/null; then echo nocwd`,
    `elif ! printf '%s' ${quote(launch.header)} >>${log} 2>/dev/null; then echo nolog; cd /`,
    `else ( trap - TERM; ${exports ? `export ${exports}; ` : ''}${OWN_PID.test(launch.command) ? 'exec /bin/sh -c' : 'eval'} ${quote(launch.command)} ) </dev/null >>${log} 2>&1; echo "exit $?"; cd /`,
    'fi',
    '',
  ].join('\n');
}

/** The launcher's own start: survive the SIGTERM that sweeps up what commands leave behind. */
const LAUNCHER_SETUP = "trap '' TERM\n";

/**
 * Process-group ids of the live launchers of every thread, in memory shared with
 * the main thread, so a forced exit can kill what they run (each launcher leads
 * its own group, which the end of our process does not reach). 0 = free slot.
 */
let registry: Int32Array | undefined;

export function useLauncherRegistry(slots: Int32Array): void {
  registry = slots;
}

/** Slot 0 of the registry: -1 once a forced exit killed everything, so no thread starts another command. */
const EXITING = 0;

/** A forced exit is under way: starting a command now (a retry, the next file) would outlive it. */
export function exiting(): boolean {
  return registry !== undefined && Atomics.load(registry, EXITING) === -1;
}

function register(pid: number): void {
  if (!registry) return;
  for (let i = EXITING + 1; i < registry.length; i++) if (Atomics.compareExchange(registry, i, 0, pid) === 0) return;
}

function unregister(pid: number): void {
  if (!registry) return;
  for (let i = EXITING + 1; i < registry.length; i++) if (Atomics.compareExchange(registry, i, pid, 0) === pid) return;
}

/** SIGKILL every registered launcher's group: the commands they run die with them. */
export function killAllLaunchers(slots: Int32Array): void {
  Atomics.store(slots, EXITING, -1);
  for (let i = EXITING + 1; i < slots.length; i++) {
    const pid = Atomics.exchange(slots, i, 0);
    if (pid > 0) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // ESRCH: it ended on its own.
      }
    }
  }
}

/** One persistent shell. Not reentrant: `launch()` hands each run an idle one. */
class Launcher {
  readonly #child: ChildProcess;
  readonly #pid: number;
  #line = '';
  #waiting: ((line: string | null) => void) | undefined;
  dead = false;

  constructor() {
    // Its own process group (detached), so a timeout kills the shell and all it started in one call.
    this.#child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'ignore'], detached: true });
    this.#pid = this.#child.pid ?? -1;
    this.#child.once('exit', () => this.#onExit());
    this.#child.once('error', () => this.#onExit());
    // No pid: the spawn failed (EMFILE, EAGAIN...); 'error' follows and marks it dead.
    if (this.#pid <= 0) {
      this.dead = true;
      return;
    }
    register(this.#pid);
    this.#child.stdout!.setEncoding('utf8');
    this.#child.stdout!.on('data', (chunk: string) => this.#onData(chunk));
    // EPIPE after the shell died is reported through exit; keep it from surfacing as an uncaught error.
    this.#child.stdin!.on('error', () => {});
    this.#child.stdin!.write(LAUNCHER_SETUP);
    // Launchers must not keep a finished process alive; when the process ends, stdin closes and the shell exits.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout] as const) (stream as unknown as { unref?: () => void }).unref?.();
  }

  async run(launch: Launch): Promise<LaunchOutcome> {
    if (this.dead) return { exitCode: null, signal: null, timedOut: false, error: 'could not start the command launcher (/bin/sh); the system may be out of processes or file descriptors' };
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // Dead from now on, even if its status line is already on the way: it must not be reused.
      this.#markDead();
      this.#killGroup('SIGKILL');
    }, Math.min(launch.timeoutMs, MAX_TIMER_MS));
    const answer = new Promise<string | null>((resolve) => (this.#waiting = resolve));
    this.#child.stdin!.write(script(launch));
    const line = await answer;
    clearTimeout(timer);
    if (timedOut) return { exitCode: null, signal: 'SIGKILL', timedOut: true };
    if (line === null) return { exitCode: null, signal: null, timedOut: false, error: 'the command launcher (/bin/sh) exited unexpectedly' };
    if (line === 'nocwd') return { exitCode: null, signal: null, timedOut: false, error: `working directory ${launch.cwd} does not exist or is not a folder` };
    if (line === 'nolog') return { exitCode: null, signal: null, timedOut: false, error: `cannot write log file ${launch.logFile}`, logUnwritable: true };
    // A command may leave processes behind (`daemon &`); an analyzer of malware must not outlive its run.
    this.#killGroup('SIGTERM');
    const status = Number(line.slice('exit '.length));
    // The shell reports a command killed by signal N as status 128+N.
    const signal = status > 128 ? (SIGNAL_NAMES.get(status - 128) ?? null) : null;
    return { exitCode: status, signal, timedOut: false };
  }

  close(): void {
    this.#child.stdin!.end();
  }

  #killGroup(signal: NodeJS.Signals): void {
    if (this.#pid <= 0) return;
    try {
      process.kill(-this.#pid, signal);
    } catch {
      // ESRCH: nothing left in the group.
    }
  }

  #onData(chunk: string): void {
    this.#line += chunk;
    const newline = this.#line.indexOf('\n');
    if (newline < 0) return;
    const line = this.#line.slice(0, newline);
    this.#line = this.#line.slice(newline + 1);
    this.#take(line);
  }

  #onExit(): void {
    this.#markDead();
    this.#take(null);
  }

  #markDead(): void {
    if (!this.dead && this.#pid > 0) unregister(this.#pid);
    this.dead = true;
  }

  #take(line: string | null): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(line);
  }
}

/** Idle launchers of this thread; one per concurrent run, created on demand. */
const idle: Launcher[] = [];

/**
 * Run one command through an idle launcher. Values that the shell cannot carry
 * (a NUL byte, an invalid variable name) come back as an error outcome.
 */
export async function launch(launch: Launch): Promise<LaunchOutcome> {
  const bad = [launch.command, launch.cwd, launch.logFile, launch.header, ...Object.values(launch.env)].some((v) => v.includes('\0'));
  if (bad) return { exitCode: null, signal: null, timedOut: false, error: 'a command, path or variable contains a NUL byte, which no shell can carry' };
  if (exiting()) return { exitCode: null, signal: null, timedOut: false, error: 'broapt is exiting: commands were killed' };
  const badName = invalidEnvName(launch.env);
  if (badName !== undefined) return { exitCode: null, signal: null, timedOut: false, error: `${JSON.stringify(badName)} is not a valid environment variable name` };
  let launcher = idle.pop();
  while (launcher?.dead) launcher = idle.pop();
  launcher ??= new Launcher();
  try {
    return await launcher.run(launch);
  } finally {
    if (!launcher.dead) idle.push(launcher);
  }
}

/** Close this thread's idle launchers; otherwise they end with the process, when their stdin closes. */
export function closeLaunchers(): void {
  for (const launcher of idle.splice(0)) launcher.close();
}
