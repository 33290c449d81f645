import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ApiConfig, App } from '../api/app.ts';
import { missingWorkdirs, resolveWorkdir } from '../api/workdir.ts';
import { ConfigError } from '../errors.ts';

/** One thing that makes an app unusable, in words a user can act on. */
export interface AppProblem {
  app: App;
  problem: string;
}

export interface CheckOptions {
  /**
   * `all`: every command's program must be found, bare names on PATH included
   * (`broapt apps check`). `named`: only programs named by a path or a set
   * variable (`"$NODE" scan.ts`), as the start-up gate of scan and watch does:
   * a bare name may be a function or come from a PATH the commands set.
   */
  programs: 'all' | 'named';
  /** Longest a `check` command may take. */
  timeoutMs?: number;
  /** Told once per distinct check that passed, with what it printed (which engines it found, say). */
  onPass?: (command: string, output: string) => void;
}

const SHELL_WORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', '{', '}', '(', '!', '[', '[[', 'test', ':', '.', 'true', 'false', 'echo', 'printf', 'cd', 'exit', 'export', 'set', 'unset', 'read', 'eval', 'exec', 'command', 'trap', 'wait', 'shift', 'return', 'local', 'source', 'type', 'umask', 'ulimit', 'sleep', 'kill']);

/** The program a command starts, if it can be told without running a shell: its first word, quotes removed. */
export function programOf(command: string): string | undefined {
  const match = /^\s*(?:"([^"]*)"|'([^']*)'|([^\s;&|()<>]+)(?=[\s;&|<>]|$))/.exec(command);
  const word = match?.[1] ?? match?.[2] ?? match?.[3];
  // An assignment (`n=$(...)`) or an expansion of a command's output is not a program name.
  if (word === undefined || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word) || word.includes('$(') || word.includes('`')) return undefined;
  return word;
}

/** `$VAR` and `${VAR}` from the app's variables and the process's; undefined when one is not set. */
function expand(word: string, env: Record<string, string | undefined>): string | undefined {
  let unset = false;
  const value = word.replace(/\$\{([^}]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const found = env[(braced ?? bare)!];
    if (found === undefined) unset = true;
    return found ?? '';
  });
  return unset ? undefined : value;
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findProgram(name: string, cwd: string, pathVar: string | undefined): boolean {
  if (name.includes('/')) return executable(path.resolve(cwd, name));
  return (pathVar ?? '').split(':').some((dir) => dir !== '' && executable(path.join(dir, name)));
}

function programProblems(app: App, workdir: string, options: CheckOptions): string[] {
  const env = { ...process.env, ...app.environ };
  const problems: string[] = [];
  for (const command of [...app.install, ...app.check, ...app.scripts, app.report]) {
    const word = programOf(command);
    if (word === undefined || SHELL_WORDS.has(word)) continue;
    const named = word.includes('$') || word.includes('/');
    if (!named && options.programs === 'named') continue;
    const name = expand(word, env);
    if (name === undefined) {
      if (options.programs === 'all') problems.push(`\`${command}\` starts ${word}, which uses a variable that is not set: set it in api.yml \`environment\` or \`environ\``);
      continue;
    }
    if (!findProgram(name, workdir, env.PATH)) {
      problems.push(`\`${command}\` starts ${name}, which ${name.includes('/') ? 'is not an executable file' : 'is not on PATH'}: install it or fix the command`);
    }
  }
  return [...new Set(problems)];
}

/** Runs one `check` command: `problem` is undefined when it passes; `output` is what it printed. */
function runCheck(command: string, cwd: string, env: Record<string, string>, timeoutMs: number): Promise<{ problem?: string; output: string }> {
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
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ problem: error.message, output }));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ output });
      const how = timedOut ? `did not finish within ${timeoutMs / 1000} s` : signal ? `was killed by ${signal}` : `exited ${code}`;
      resolve({ problem: `check \`${command}\` ${how}${output.trim() ? `:\n      ${output.trim().split('\n').join('\n      ')}` : ''}`, output });
    });
  });
}

/**
 * Every problem of every app, found before any file is taken: a missing
 * workdir, a program that is not there, a `check` command that fails (rules
 * that do not compile, a database that does not load). Apps sharing a check
 * (same command, folder and variables) run it once.
 */
export async function checkApps(config: ApiConfig, options: CheckOptions): Promise<AppProblem[]> {
  const problems: AppProblem[] = (await missingWorkdirs(config)).map(({ app, workdir }) => ({ app, problem: `working directory ${workdir} does not exist: create it (mkdir -p) or fix \`workdir\`` }));
  const runs = new Map<string, Promise<{ problem?: string; output: string }>>();
  const apps = [config.example, ...config.apps];
  const pending: Array<Promise<void>> = [];
  for (const app of apps) {
    const workdir = resolveWorkdir(config, app);
    if (problems.some((p) => p.app === app)) continue;
    for (const problem of programProblems(app, workdir, options)) problems.push({ app, problem });
    for (const command of app.check) {
      const key = JSON.stringify([command, workdir, app.environ]);
      if (!runs.has(key)) {
        const run = runCheck(command, workdir, app.environ, Math.min(app.timeoutMs, options.timeoutMs ?? 120_000));
        runs.set(key, run);
        void run.then(({ problem, output }) => problem === undefined && options.onPass?.(command, output));
      }
      pending.push(runs.get(key)!.then(({ problem }) => void (problem && problems.push({ app, problem }))));
    }
  }
  await Promise.all(pending);
  // Apps in file order, so the report reads like api.yml.
  return problems.sort((a, b) => apps.indexOf(a.app) - apps.indexOf(b.app));
}

export function formatProblems(problems: AppProblem[]): string {
  return problems.map(({ app, problem }) => `  ${app.key} (${path.basename(app.position.file)} line ${app.position.line}): ${problem}`).join('\n');
}

/** The start-up gate of scan and watch: a broken app must stop the run, never silently switch detection off. */
export async function assertAppsReady(config: ApiConfig): Promise<void> {
  const problems = await checkApps(config, { programs: 'named' });
  const first = problems[0];
  if (!first) return;
  throw new ConfigError(
    'E_APP_BROKEN',
    `${problems.length === 1 ? 'an app is' : 'apps are'} not usable, so no file was taken:\n${formatProblems(problems)}\nFix ${problems.length === 1 ? 'it' : 'them'} and run \`broapt apps check\` to confirm.`,
    first.app.key,
    first.app.position,
  );
}
