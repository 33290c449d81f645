import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { containerCommand, containerName, removeContainer } from './container.ts';
import { exiting, invalidEnvName, withDataLimit, type Launch, type LaunchOutcome } from './launcher.ts';
import { makeInputDir, makeOutputDir, removeRunDir } from './output-dir.ts';
import { pin, stagePinned, unpin } from './pin.ts';
import type { Isolation } from './plan.ts';
import { sandboxCommand, sandboxUid } from './sandbox.ts';
import { takeReport } from './take.ts';

/**
 * Warm apps (api.yml `warm: true`): the `report` command starts once per
 * lane of the pool (source/pool/pool.ts) with BROAPT_WARM=1 and stays up, so a container or sandbox
 * start and a rule-set load are paid once, not per file. broapt writes one JSON
 * line per file on its stdin, `{"path", "mime", "report"}`, and reads one JSON
 * line back on its stdout: the report object. JSON lines, because file names
 * may hold newlines. Its stderr goes to the API log of the file in hand. A
 * process that dies, answers garbage or times out is killed (its container
 * removed) and the next attempt starts a fresh one.
 */

/** Variables that name one file: a warm process gets them per request, not in its environment. */
const PER_FILE = new Set(['BROAPT_PATH', 'BROAPT_MIME', 'BROAPT_REPORT', 'BROAPT_CHILDREN']);
/** Longest answer line taken; a report larger than this must go to the report file. */
const MAX_LINE = 16 << 20;

class WarmProcess {
  readonly #child: ChildProcess;
  readonly #isolation: Isolation | undefined;
  /** Isolated runners: the folder files are staged in (read-only inside) and the writable one. */
  readonly #input: string | undefined;
  readonly #output: string | undefined;
  readonly #container: string | undefined;
  #buffer = '';
  #waiting: ((line: string | null) => void) | undefined;
  #log: string | undefined;
  dead = false;

  constructor(request: Launch, isolation: Isolation | undefined) {
    this.#isolation = isolation;
    const env: Record<string, string> = { BROAPT_WARM: '1' };
    for (const [name, value] of Object.entries(request.env)) if (!PER_FILE.has(name)) env[name] = value;
    let code = request.command;
    if (isolation?.kind === 'host') code = withDataLimit(isolation.limits.memory!, code);
    else if (isolation !== undefined) {
      const uid = isolation.kind === 'sandbox' ? sandboxUid() : undefined;
      this.#input = makeInputDir();
      this.#output = makeOutputDir(isolation.kind === 'sandbox' ? (uid ?? process.getuid?.()) : undefined, isolation.limits.disk);
      const run = {
        isolation: { ...isolation, mounts: [...isolation.mounts, { source: this.#input, target: this.#input, writable: false }] },
        command: request.command,
        cwd: request.cwd,
        envNames: Object.keys(env),
        outputDir: this.#output,
        ...(uid === undefined ? {} : { uid }),
      };
      if (isolation.kind === 'sandbox') code = sandboxCommand(run);
      else {
        this.#container = containerName();
        code = containerCommand(run, this.#container, { interactive: true });
      }
    }
    // Its own process group, so a timeout kills it and all it started in one call.
    this.#child = spawn('/bin/sh', ['-c', code], { cwd: request.cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.#child.once('exit', () => this.#onExit());
    this.#child.once('error', () => this.#onExit());
    this.#child.stdin?.on('error', () => {});
    this.#child.stdout?.setEncoding('utf8');
    this.#child.stdout?.on('data', (chunk: string) => this.#onData(chunk));
    this.#child.stderr?.on('data', (chunk: Buffer) => {
      if (this.#log !== undefined) fs.appendFileSync(this.#log, chunk);
    });
    // A warm process must not keep a finished broapt alive: at exit its stdin closes and it ends.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  }

  async run(request: Launch): Promise<LaunchOutcome> {
    const file = request.env.BROAPT_PATH ?? '';
    const report = request.env.BROAPT_REPORT;
    try {
      fs.appendFileSync(request.logFile, request.header);
    } catch {
      return { exitCode: null, signal: null, timedOut: false, error: `cannot write log file ${request.logFile}`, logUnwritable: true };
    }
    this.#log = request.logFile;
    let staged: string | undefined;
    let seen = file;
    let reportSeen = report ?? '';
    if (this.#input !== undefined && this.#output !== undefined) {
      staged = path.join(this.#input, path.basename(file).replace(/[^\w.+-]/g, '_') || 'file');
      stage(file, staged);
      seen = staged;
      reportSeen = path.join(this.#output, 'report.json');
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      void this.kill();
    }, request.timeoutMs);
    const answer = new Promise<string | null>((resolve) => (this.#waiting = resolve));
    this.#child.stdin?.write(`${JSON.stringify({ path: seen, mime: request.env.BROAPT_MIME ?? '', report: reportSeen })}\n`);
    const line = await answer;
    clearTimeout(timer);
    this.#log = undefined;
    if (staged !== undefined) fs.rmSync(staged, { force: true });
    if (timedOut) return { exitCode: null, signal: 'SIGKILL', timedOut: true };
    if (line === null) return { exitCode: null, signal: null, timedOut: false, error: 'the warm app exited instead of answering; it is started again for the next attempt' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      void this.kill();
      return { exitCode: null, signal: null, timedOut: false, error: `the warm app answered ${JSON.stringify(line.slice(0, 200))}, which is no JSON object; it is started again` };
    }
    fs.appendFileSync(request.logFile, `${line}\n`);
    if (report !== undefined) {
      if (this.#output !== undefined) takeReport(reportSeen, report);
      if (!fs.existsSync(report)) fs.writeFileSync(report, line);
    }
    return { exitCode: 0, signal: null, timedOut: false };
  }

  async kill(): Promise<void> {
    if (!this.dead && this.#child.pid !== undefined) {
      try {
        process.kill(-this.#child.pid, 'SIGKILL');
      } catch {
        // ESRCH: gone already.
      }
    }
    this.#markDead();
    if (this.#container !== undefined && this.#isolation?.container) await removeContainer(this.#isolation.container.engine, this.#container);
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    const newline = this.#buffer.indexOf('\n');
    if (newline < 0) {
      if (this.#buffer.length > MAX_LINE) void this.kill();
      return;
    }
    const line = this.#buffer.slice(0, newline);
    this.#buffer = this.#buffer.slice(newline + 1);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(line);
  }

  #onExit(): void {
    this.#markDead();
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(null);
  }

  #markDead(): void {
    if (this.dead) return;
    this.dead = true;
    live.delete(this);
    for (const ready of idle.values()) if (ready.includes(this)) ready.splice(ready.indexOf(this), 1);
    for (const dir of [this.#input, this.#output]) if (dir !== undefined) removeRunDir(dir);
  }
}

/**
 * The file, checked through its descriptor, as a hard link or a copy: a copy
 * by name would follow a link swapped in for it. Nothing is staged for
 * anything but a regular file, so the app finds no file.
 */
function stage(file: string, staged: string): void {
  fs.rmSync(staged, { force: true });
  const pinned = pin(file);
  if (pinned === undefined) return;
  try {
    stagePinned(pinned, file, staged);
  } finally {
    unpin(pinned);
  }
}

/** This thread's warm processes not answering a file, by what they run; each answers one file at a time, and lanes of a thread run at once. */
const idle = new Map<string, WarmProcess[]>();
/** Every live warm process of this thread, idle or not. */
const live = new Set<WarmProcess>();

/** Hand one file to the app's warm process, starting it if there is none. */
export async function launchWarm(isolation: Isolation | undefined, request: Launch): Promise<LaunchOutcome> {
  if (exiting()) return { exitCode: null, signal: null, timedOut: false, error: 'broapt is exiting: commands were killed' };
  const badName = invalidEnvName(request.env);
  if (badName !== undefined) return { exitCode: null, signal: null, timedOut: false, error: `${JSON.stringify(badName)} is not a valid environment variable name` };
  const appEnv = Object.entries(request.env).filter(([name]) => !PER_FILE.has(name));
  const key = JSON.stringify([request.command, request.cwd, appEnv, isolation ?? null]);
  let ready = idle.get(key);
  if (!ready) idle.set(key, (ready = []));
  let warm = ready.pop();
  if (!warm) {
    warm = new WarmProcess(request, isolation);
    live.add(warm);
  }
  try {
    return await warm.run(request);
  } finally {
    if (!warm.dead) ready.push(warm);
  }
}

/** Stop this thread's warm processes (their containers too). */
export async function closeWarm(): Promise<void> {
  await Promise.all([...live].map((warm) => warm.kill()));
}
