import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commandLogPath } from '../source/runner/api-logs.ts';
import { runCommand, type CommandSpec } from '../source/runner/host.ts';
import { succeeded } from '../source/runner/result.ts';

const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, resolved so it compares equal to what `pwd` prints. */
function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-runner-')));
  temps.push(dir);
  return dir;
}

function makeSpec(dir: string, command: string, overrides: Partial<CommandSpec> = {}): CommandSpec {
  return {
    phase: 'scripts',
    index: 1,
    command,
    cwd: dir,
    env: {},
    logFile: path.join(dir, 'logs', 'example', 'F1-scripts.1'),
    timeoutMs: 10_000,
    maxAttempts: 1,
    backoffCapMs: 0,
    ...overrides,
  };
}

function readLog(spec: CommandSpec): string {
  return fs.readFileSync(spec.logFile, 'utf8');
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

/** kill(pid, 0) throws ESRCH once the process is gone for good; init may take a while to reap orphans. */
async function waitGone(pid: number, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function fdsOpenOn(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

describe('runCommand', () => {
  it('runs a command and logs stdout and stderr', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'echo to-stdout; echo to-stderr >&2');
    const result = await runCommand(spec);
    expect(result).toMatchObject({ phase: 'scripts', index: 1, exitCode: 0, signal: null, timedOut: false, attempts: 1, log: spec.logFile });
    expect(result.error).toBeUndefined();
    expect(succeeded(result)).toBe(true);
    const log = readLog(spec);
    expect(log).toContain('to-stdout\n');
    expect(log).toContain('to-stderr\n');
    expect(log).toContain('# exit: 0\n');
    expect(fdsOpenOn(spec.logFile)).toBe(0);
  });

  it('records a nonzero exit', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'exit 3');
    const result = await runCommand(spec);
    expect(result).toMatchObject({ exitCode: 3, signal: null, timedOut: false, attempts: 1 });
    expect(succeeded(result)).toBe(false);
    expect(readLog(spec)).toContain('# exit: 3\n');
  });

  it('records the signal that killed the command', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'kill -TERM $$');
    const result = await runCommand(spec);
    // As the shell reports it: status 128+15, and the signal's name.
    expect(result).toMatchObject({ exitCode: 143, signal: 'SIGTERM', timedOut: false });
    expect(readLog(spec)).toContain('# exit: signal SIGTERM\n');
  });

  it('retries a failed command and stops at the first success', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'if [ -e tried ]; then echo second; else touch tried; echo first; exit 1; fi', { maxAttempts: 3 });
    const result = await runCommand(spec);
    expect(result).toMatchObject({ exitCode: 0, attempts: 2, timedOut: false });
    const log = readLog(spec);
    expect(count(log, '# open: ')).toBe(2);
    expect(count(log, '# close: ')).toBe(2);
    expect(log.indexOf('first\n# exit: 1\n')).toBeGreaterThan(-1);
    expect(log.indexOf('second\n# exit: 0\n')).toBeGreaterThan(log.indexOf('first\n'));
  });

  it('gives up after maxAttempts and reports the last attempt', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'echo run >> runs; exit 7', { maxAttempts: 3 });
    const result = await runCommand(spec);
    expect(result).toMatchObject({ exitCode: 7, attempts: 3 });
    expect(fs.readFileSync(path.join(dir, 'runs'), 'utf8')).toBe('run\nrun\nrun\n');
    expect(count(readLog(spec), '# exit: 7\n')).toBe(3);
  });

  it('waits min(cap, 250 ms * 2^(n-1)) between attempts', async () => {
    const dir = tempDir();
    const capped = await runCommand(makeSpec(dir, 'exit 1', { maxAttempts: 3, backoffCapMs: 150 }));
    // Two waits of min(150, 250) and min(150, 500).
    expect(capped.durationMs).toBeGreaterThanOrEqual(300);
    const uncapped = await runCommand(makeSpec(dir, 'exit 1', { maxAttempts: 2, backoffCapMs: 10_000 }));
    expect(uncapped.durationMs).toBeGreaterThanOrEqual(250);
    expect(uncapped.durationMs).toBeLessThan(500);
  });

  it('on timeout kills the command and every process it started', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'sleep 300 & echo $! > child.pid; sleep 300', { timeoutMs: 500 });
    const started = Date.now();
    const result = await runCommand(spec);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: 'SIGKILL', attempts: 1 });
    expect(succeeded(result)).toBe(false);
    expect(readLog(spec)).toContain('# exit: timeout after 0.5s\n');
    const child = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    expect(child).toBeGreaterThan(0);
    // SIGKILL takes effect when the kernel next schedules the process, which on a loaded machine is not at once;
    // a child that was not signalled would sleep for 300 s.
    expect(await waitGone(child)).toBe(true);
  });

  it('kills what a command left running when it exits normally', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'sleep 1000 & echo $! > daemon.pid; exit 0');
    const result = await runCommand(spec);
    expect(succeeded(result)).toBe(true);
    const daemon = Number(fs.readFileSync(path.join(dir, 'daemon.pid'), 'utf8'));
    expect(await waitGone(daemon)).toBe(true);
  });

  it('passes env and cwd to the child and never evaluates their values', async () => {
    const dir = tempDir();
    const hostile = '$(touch pwned1) `touch pwned2`; touch pwned3\ntouch pwned4 && echo "x" \'y\'';
    const spec = makeSpec(dir, 'printf %s "$BROAPT_PATH" > path.txt; pwd > cwd.txt', {
      env: { BROAPT_PATH: hostile, BROAPT_MIME: 'application/pdf' },
    });
    const result = await runCommand(spec);
    expect(succeeded(result)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'path.txt'), 'utf8')).toBe(hostile);
    expect(fs.readFileSync(path.join(dir, 'cwd.txt'), 'utf8')).toBe(`${dir}\n`);
    for (const marker of ['pwned1', 'pwned2', 'pwned3', 'pwned4']) expect(fs.existsSync(path.join(dir, marker))).toBe(false);
    const log = readLog(spec);
    expect(log).toContain(`# env: BROAPT_PATH=${JSON.stringify(hostile)} BROAPT_MIME=application/pdf\n`);
    // Only the added variables are printed, never the process environment.
    expect(log).not.toContain('PATH=/');
  });

  it('runs the command text unmodified', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'HOME=/nowhere; printf "%s|%s" "$HOME" \'$HOME\' > out.txt', { env: { HOME: '/somewhere' } });
    await runCommand(spec);
    expect(fs.readFileSync(path.join(dir, 'out.txt'), 'utf8')).toBe('/nowhere|$HOME');
  });

  it('returns a missing working directory as an error result', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'no-such-dir');
    const spec = makeSpec(dir, 'true', { cwd: missing, maxAttempts: 2 });
    const result = await runCommand(spec);
    expect(result).toMatchObject({ exitCode: null, signal: null, timedOut: false, attempts: 2 });
    expect(result.error).toContain(`working directory ${missing} does not exist`);
    expect(succeeded(result)).toBe(false);
    expect(count(readLog(spec), '# exit: error working directory')).toBe(2);
    expect(fdsOpenOn(spec.logFile)).toBe(0);
  });

  it('returns a working directory that is a file as an error result', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const result = await runCommand(makeSpec(dir, 'true', { cwd: file }));
    expect(result.exitCode).toBeNull();
    expect(result.error).toContain(`working directory ${file} does not exist or is not a folder`);
  });

  it('writes the header and footer lines in order', async () => {
    const dir = tempDir();
    const spec = makeSpec(dir, 'printf no-newline', { env: { APP: 'yara', RULES: 'a b' } });
    await runCommand(spec);
    const lines = readLog(spec).split('\n');
    const ctime = String.raw`[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}`;
    expect(lines[0]).toMatch(new RegExp(`^# open: ${ctime}$`));
    expect(lines[1]).toBe(`# cwd: ${dir}`);
    expect(lines[2]).toBe('# env: APP=yara RULES="a b"');
    expect(lines[3]).toBe('# args: printf no-newline');
    expect(lines[4]).toBe('no-newline');
    expect(lines[5]).toBe('# exit: 0');
    expect(lines[6]).toMatch(new RegExp(`^# close: ${ctime}$`));
    expect(lines.slice(7)).toEqual(['']);
  });

  it('creates the nested log folders', async () => {
    const dir = tempDir();
    const logFile = commandLogPath(path.join(dir, 'api'), 'application/pdf', 'Fxyz', 'report', 1);
    const result = await runCommand(makeSpec(dir, 'echo ok', { logFile }));
    expect(result.log).toBe(logFile);
    expect(fs.readFileSync(path.join(dir, 'api', 'application', 'pdf', 'Fxyz-report.1'), 'utf8')).toContain('ok\n');
  });

  it('throws for a malformed spec', async () => {
    const dir = tempDir();
    await expect(runCommand(makeSpec(dir, 'true', { maxAttempts: 0 }))).rejects.toThrow(RangeError);
    await expect(runCommand(makeSpec(dir, 'true', { timeoutMs: 0 }))).rejects.toThrow(RangeError);
  });
});

describe('commandLogPath', () => {
  it('lays logs out as <apiLogs>/<folder>/<fuid>-<phase>.<index>', () => {
    expect(commandLogPath('/logs/api', 'example', 'FAbc1', 'scripts', 2)).toBe('/logs/api/example/FAbc1-scripts.2');
    expect(commandLogPath('/logs/api', 'application/pdf', 'FAbc1', 'install', 1)).toBe('/logs/api/application/pdf/FAbc1-install.1');
  });

  it('refuses names that would leave the log folder', () => {
    expect(() => commandLogPath('/logs/api', '../etc', 'F1', 'report', 1)).toThrow(RangeError);
    expect(() => commandLogPath('/logs/api', 'example', '../F1', 'report', 1)).toThrow(RangeError);
    expect(() => commandLogPath('/logs/api', 'example', 'F1', 'report', 0)).toThrow(RangeError);
  });
});
