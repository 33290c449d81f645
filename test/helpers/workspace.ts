import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { loadApiConfig } from '../../source/api/load.ts';
import { resolveWorkdir } from '../../source/api/workdir.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = path.join(REPO, 'bin', 'broapt.js');

/** A temporary dump/api/logs layout, as a deployment has. */
export interface Workspace {
  dir: string;
  dump: string;
  api: string;
  logs: string;
  /** BROAPT_* variables pointing the CLI at this workspace. */
  env: Record<string, string>;
  /** Write api.yml and, unless told not to, create every app's working directory. */
  writeApi(text: string, options?: { workdirs?: boolean }): Promise<void>;
  /** Write a file into the dump folder (relative path), creating folders. */
  addFile(relative: string, content?: string | Buffer): Promise<string>;
  readLines(name: 'dump.log' | 'fail.log' | 'processed.jsonl'): Promise<string[]>;
  records(): Promise<Array<Record<string, unknown>>>;
  cleanup(): Promise<void>;
}

export async function makeWorkspace(): Promise<Workspace> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-test-'));
  const dump = path.join(dir, 'dump');
  const api = path.join(dir, 'api');
  const logs = path.join(dir, 'logs');
  await fs.mkdir(dump, { recursive: true });
  await fs.mkdir(path.join(api, 'example'), { recursive: true });
  const readLines = async (name: string) => {
    const text = await fs.readFile(path.join(logs, name), 'utf8').catch(() => '');
    return text.split('\n').filter((line) => line !== '');
  };
  return {
    dir,
    dump,
    api,
    logs,
    env: { BROAPT_DUMP_PATH: dump, BROAPT_API_ROOT: api, BROAPT_LOGS_PATH: logs, BROAPT_INTERVAL: '0.05', BROAPT_LOG_LEVEL: 'warn' },
    async writeApi(text, { workdirs = true } = {}) {
      await fs.writeFile(path.join(api, 'api.yml'), text);
      if (!workdirs) return;
      // Valid configs get their apps' folders, as a deployment has them; broken ones are written as they are.
      const config = await loadApiConfig(api, { defaultTimeoutMs: 1000 }).catch(() => undefined);
      for (const app of config ? [config.example, ...config.apps] : []) await fs.mkdir(resolveWorkdir(config!, app), { recursive: true });
    },
    async addFile(relative, content = 'x') {
      const file = path.join(dump, relative);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, content);
      return file;
    },
    readLines,
    records: async () => (await readLines('processed.jsonl')).map((line) => JSON.parse(line) as Record<string, unknown>),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
}

/** A fresh workspace for every test of the calling file, removed after it. */
export function useWorkspace(): () => Workspace {
  let current: Workspace | undefined;
  beforeEach(async () => {
    current = await makeWorkspace();
  });
  afterEach(async () => {
    await killLeftCli();
    await current?.cleanup();
  });
  return () => {
    if (!current) throw new Error('useWorkspace() is only usable inside a test');
    return current;
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** CLIs started and not ended yet: a test that failed first would leave them running (watch, watch-pcaps) for ever. */
const liveCli = new Set<ChildProcess>();

async function killLeftCli(): Promise<void> {
  await Promise.all(
    [...liveCli].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      await closed;
    }),
  );
}

/** Start the real CLI in a child process (the Node running the tests is the project's Node 24). */
export function startCli(
  args: string[],
  env: Record<string, string> = {},
  cwd = REPO,
  /** A command that execs the CLI with its arguments (`prlimit --nofile=…`), so the child is still the CLI. */
  wrapper: string[] = [],
): { child: ChildProcess; done: Promise<CliResult>; stdout: () => string; stderr: () => string } {
  const [command, ...rest] = [...wrapper, process.execPath, BIN, ...args] as [string, ...string[]];
  const child = spawn(command, rest, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  liveCli.add(child);
  child.once('close', () => liveCli.delete(child));
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

export function runCli(args: string[], env: Record<string, string> = {}, cwd = REPO): Promise<CliResult> {
  return startCli(args, env, cwd).done;
}

/** stderr without the progress and detection lines a non-terminal run prints: what is left are warnings and errors. */
export function problems(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('progress: ') && !line.startsWith('detection: '))
    .join('\n');
}

/** Poll `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A BroAPT-convention name for a test file. */
export function broaptName(i: number, mime = 'application/pdf', ext = 'pdf', pcap = 'test'): string {
  return `HTTP-F${String(i).padStart(17, '0')}.${pcap}.${mime.replace('/', '.')}.${ext}`;
}
