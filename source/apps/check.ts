import fs from 'node:fs';
import path from 'node:path';
import type { ApiConfig, App } from '../api/app.ts';
import { globRegExp } from '../api/match.ts';
import { isFolder, resolveWorkdir } from '../api/workdir.ts';
import { DEFAULT_LIMITS, type Isolation } from '../runner/plan.ts';
import { shownInSandbox } from '../runner/sandbox.ts';
import type { Runners } from '../runner/select.ts';
import { runCheck, type CheckRun } from './check-command.ts';
import type { AppProblem } from './problems.ts';

export interface CheckOptions {
  /** The run's runners: each app is checked on the runner its files will run on. */
  runners: Runners;
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

function programProblems(app: App, workdir: string, sandboxed: boolean): string[] {
  const env = { ...process.env, ...app.environ };
  const problems: string[] = [];
  for (const command of [...app.install, ...app.check, ...app.scripts, app.report]) {
    const word = programOf(command);
    if (word === undefined || SHELL_WORDS.has(word)) continue;
    const name = expand(word, env);
    if (name === undefined) {
      problems.push(`\`${command}\` starts ${word}, which uses a variable that is not set: set it in api.yml \`environment\` or \`environ\``);
      continue;
    }
    if (!findProgram(name, workdir, env.PATH)) {
      problems.push(`\`${command}\` starts ${name}, which ${name.includes('/') ? 'is not an executable file' : 'is not on PATH'}: install it or fix the command`);
    } else if (sandboxed && name.includes('/') && !shownInSandbox(path.resolve(workdir, name), workdir, app.mounts)) {
      problems.push(`\`${command}\` starts ${name}, which the sandbox does not show: add its folder to \`mounts\``);
    }
  }
  return [...new Set(problems)];
}

/** The folders a glob app's files may run in when its pattern folder is missing: `<media>/<subtype>` folders it matches. */
function typeFolders(config: ApiConfig, app: App): string[] {
  const regex = globRegExp(app.pattern);
  const media = path.join(config.root, app.mediaType);
  const names = fs.readdirSync(media, { withFileTypes: true }).filter((entry) => entry.isDirectory() && regex.test(entry.name));
  return names.map((entry) => resolveWorkdir(config, app, entry.name)).filter(isFolder);
}

/**
 * The folders an app's commands would run in; empty when there is none. A
 * glob app runs in its pattern folder, or else in the folder of each type it
 * matches (the reference's layout): any of those will do.
 */
export function workdirsOf(config: ApiConfig, app: App): string[] {
  const workdir = resolveWorkdir(config, app);
  if (isFolder(workdir)) return [workdir];
  if (!app.isGlob || path.isAbsolute(app.workdir)) return [];
  try {
    return typeFolders(config, app);
  } catch {
    return [];
  }
}

/** Apps with no working directory: their commands could not start. */
export function missingWorkdirs(config: ApiConfig): Array<{ app: App; workdir: string }> {
  return [config.example, ...config.apps].filter((app) => workdirsOf(config, app).length === 0).map((app) => ({ app, workdir: resolveWorkdir(config, app) }));
}

function workdirProblem(app: App, workdir: string): string {
  const fallback = app.isGlob && !path.isAbsolute(app.workdir) ? `, nor a folder ${path.join(path.dirname(path.dirname(workdir)), '<subtype>')} of a type it matches` : '';
  return `working directory ${workdir} does not exist${fallback}: create it (mkdir -p) or fix \`workdir\``;
}

/**
 * Every problem of every app, found before any file is taken, with the
 * runner each app's files will run on: a missing workdir, a runner that
 * cannot run it (no bwrap, no image), a program that is not there, a `check`
 * command that fails where the files will run (rules that do not compile, a
 * database that does not load, a path the sandbox does not show). Apps
 * sharing a check (same command, folder, variables and runner) run it once.
 * `scan`, `watch` and `apps check` all ask this, so they agree.
 */
export async function checkApps(config: ApiConfig, options: CheckOptions): Promise<AppProblem[]> {
  const { runners } = options;
  const problems: AppProblem[] = [];
  const runs = new Map<string, Promise<CheckRun>>();
  const apps = [config.example, ...config.apps];
  const pending: Array<Promise<void>> = [];
  for (const app of apps) {
    const [workdir] = workdirsOf(config, app);
    if (workdir === undefined) {
      problems.push({ app, kind: 'workdir', problem: workdirProblem(app, resolveWorkdir(config, app)) });
      continue;
    }
    const runner = runners.problemOf(app);
    if (runner) {
      problems.push({ app, kind: 'runner', problem: runner.problem });
      continue;
    }
    const kind = runners.kindOf(app);
    // A container app's programs and checks are in its image, which scan builds or pulls with the first file.
    if (kind === 'container') continue;
    for (const problem of programProblems(app, workdir, kind === 'sandbox')) problems.push({ app, kind: 'program', problem });
    const isolation: Isolation | undefined = kind === 'sandbox' ? { kind, limits: { ...DEFAULT_LIMITS, ...app.limits }, mounts: app.mounts } : undefined;
    for (const command of app.check) {
      const key = JSON.stringify([command, workdir, app.environ, isolation ?? null]);
      if (!runs.has(key)) {
        const run = runCheck(command, workdir, app.environ, Math.min(app.timeoutMs, options.timeoutMs ?? 120_000), isolation);
        runs.set(key, run);
        void run.then(({ problem, output }) => problem === undefined && options.onPass?.(command, output));
      }
      pending.push(runs.get(key)!.then(({ problem }) => void (problem && problems.push({ app, kind: 'check', problem }))));
    }
  }
  await Promise.all(pending);
  // Apps in file order, so the report reads like api.yml.
  return problems.sort((a, b) => apps.indexOf(a.app) - apps.indexOf(b.app));
}
