import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App, ContainerOptions } from '../api/app.ts';
import { UsageError } from '../errors.ts';
import { quote } from './launcher.ts';
import type { EngineCommand, IsolatedRun, Limits } from './plan.ts';

/** Engines tried, in order, when BROAPT_CONTAINER_ENGINE is not set. */
const ENGINES = ['docker', 'podman'];
/** Every container broapt starts carries these, so leftovers can be found and removed. */
export const LABEL = 'broapt';
const HOST_LABEL = 'broapt.host';
const PID_LABEL = 'broapt.pid';

/** Split an options variable into words; single or double quotes keep spaces inside one word. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

/**
 * The engine from BROAPT_CONTAINER_ENGINE (a name on PATH or a path), else the
 * first of docker and podman on PATH that answers `version` (a docker CLI
 * without a reachable daemon does not). Host-specific options are configuration:
 * BROAPT_CONTAINER_ARGS go before every subcommand (`--runtime runc`),
 * BROAPT_CONTAINER_RUN_ARGS after every `run` (`--ulimit nofile=1024:1024`).
 */
export function detectEngine(env: NodeJS.ProcessEnv = process.env): EngineCommand {
  const chosen = env.BROAPT_CONTAINER_ENGINE?.trim();
  const program = chosen ? which(chosen, env) : ENGINES.map((name) => which(name, env)).find((found) => found !== undefined && answers(found));
  if (program === undefined) {
    throw new UsageError(
      chosen
        ? `BROAPT_CONTAINER_ENGINE=${JSON.stringify(chosen)} is not an executable: give docker, podman or the path of a Docker-compatible CLI.`
        : 'an app runs in a container, but no docker or podman on PATH answers `version`: install or start one, set BROAPT_CONTAINER_ENGINE, or choose another runner (--runner, `runner:` in api.yml).',
      'E_NO_CONTAINER_ENGINE',
    );
  }
  return { program, globalArgs: splitWords(env.BROAPT_CONTAINER_ARGS ?? ''), runArgs: splitWords(env.BROAPT_CONTAINER_RUN_ARGS ?? '') };
}

function answers(program: string): boolean {
  return spawnSync(program, ['version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** The executable `name` (a name on PATH, or a path), if there is one. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = name.includes('/') ? [path.resolve(name)] : (env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** Run an engine subcommand; output is returned, failure throws with the engine's message. */
export async function engine(cmd: EngineCommand, args: string[], options: { input?: string; cwd?: string } = {}): Promise<string> {
  // Loaded on first use: execa is a hundred modules, a third of a second of start-up in every pool worker and scan that runs no container.
  const { execa } = await import('execa');
  const result = await execa(cmd.program, [...cmd.globalArgs, ...args], { reject: false, stdin: options.input === undefined ? 'ignore' : 'pipe', input: options.input, cwd: options.cwd, all: true });
  if (result.exitCode !== 0) throw new Error(`${path.basename(cmd.program)} ${args[0]} failed (exit ${result.exitCode ?? result.signal}): ${String(result.all ?? '').trim().slice(-2000)}`);
  return String(result.stdout ?? '');
}

/** A name unique to this process, so a timeout can remove exactly its container. */
export function containerName(): string {
  return `broapt-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** A path podman and docker can take in `-v SOURCE:TARGET`: no `:` or `,`, which their syntax splits on. */
export function mountable(file: string): boolean {
  return !/[:,\n]/.test(file);
}

/** Inside the container, where the file under analysis appears: its own path when the engine can mount it there. */
export function containerFilePath(file: string): string {
  return mountable(file) ? file : `/broapt/input/${path.basename(file).replace(/[^\w.+-]/g, '_')}`;
}

/**
 * Shell code running `run.command` in a fresh container: labelled, removed on
 * exit, no network, read-only root, no capabilities, no privilege gain, the
 * app's limits, the workdir and file read-only, the output folder writable.
 * The app's `container:` options come after the defaults, so they win.
 */
export function containerCommand(run: IsolatedRun, name: string, options: { interactive?: boolean } = {}): string {
  const container = run.isolation.container!;
  const args = [container.engine.program, ...container.engine.globalArgs, 'run', '--rm', ...(options.interactive ? ['-i'] : []), '--name', name, ...labels(), ...container.engine.runArgs];
  args.push(...container.options);
  for (const dir of [run.cwd, run.outputDir]) {
    if (!mountable(dir)) throw new UsageError(`${dir} holds \`:\` or \`,\`, which a container engine cannot mount; move it.`, 'E_CONTAINER_MOUNT');
  }
  args.push('-v', `${run.cwd}:${run.cwd}:ro`, '--workdir', run.cwd, '-v', `${run.outputDir}:${run.outputDir}:rw`);
  for (const mount of run.isolation.mounts) args.push('-v', `${mount.source}:${mount.target}:${mount.writable ? 'rw' : 'ro'}`);
  if (run.file !== undefined) args.push('-v', `${run.file.source}:${run.file.path}:ro`);
  const code = args.map(quote);
  // `-e NAME` takes the value from the engine's own environment: values never enter the command line.
  for (const envName of run.envNames) code.push('-e', envName);
  code.push(...[container.image, '/bin/sh', '-c', run.command].map(quote));
  return `exec ${code.join(' ')}`;
}

export function labels(): string[] {
  return ['--label', `${LABEL}=1`, '--label', `${HOST_LABEL}=${os.hostname()}`, '--label', `${PID_LABEL}=${process.pid}`];
}

/** `run` options from the app's `container:` map and limits, the safe defaults first. */
export function runOptions(options: ContainerOptions, limits: Limits): string[] {
  const args = ['--network', options.network ?? 'none', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--tmpfs', `/tmp:rw,exec${limits.disk === undefined ? '' : `,size=${limits.disk}`}`];
  if (options.readOnly) args.push('--read-only');
  const memory = options.memory ?? limits.memory;
  if (memory !== undefined) args.push('--memory', String(memory), '--memory-swap', String(memory));
  const pids = options.pids ?? limits.processes;
  if (pids !== undefined) args.push('--pids-limit', String(pids));
  if (options.cpus !== undefined) args.push('--cpus', String(options.cpus));
  if (options.user !== undefined) args.push('--user', options.user);
  if (limits.cpu !== undefined) args.push('--ulimit', `cpu=${limits.cpu}:${limits.cpu}`);
  if (limits.fileSize !== undefined) args.push('--ulimit', `fsize=${limits.fileSize}:${limits.fileSize}`);
  for (const mount of options.mounts) args.push('-v', `${mount.source}:${mount.target}:${mount.writable ? 'rw' : 'ro'}`);
  return [...args, ...options.args];
}

/**
 * Remove one container, whatever its state; quiet when it is already gone.
 * `kill` (SIGKILL) first: `rm -f` alone would wait out the engine's stop
 * timeout, as the shell at PID 1 ignores SIGTERM.
 */
export async function removeContainer(cmd: EngineCommand, name: string): Promise<void> {
  await engine(cmd, ['kill', name]).catch(() => undefined);
  await engine(cmd, ['rm', '-f', name]).catch(() => undefined);
}

/**
 * Remove broapt's containers on this host: `own` those of this process (at
 * shutdown), otherwise those whose broapt process is gone (at start-up). Other
 * live broapt processes sharing the engine keep theirs.
 */
export async function removeLeftovers(cmd: EngineCommand, which: 'own' | 'orphans'): Promise<number> {
  const filters = ['--filter', `label=${LABEL}=1`, '--filter', `label=${HOST_LABEL}=${os.hostname()}`];
  if (which === 'own') filters.push('--filter', `label=${PID_LABEL}=${process.pid}`);
  // One listing with the labels (podman prints them as map[k:v ...], docker as k=v,...): a separate inspect
  // would race with containers of other live broapt processes that end in between.
  const lines = (await engine(cmd, ['ps', '-a', ...filters, '--format', '{{.ID}} {{.Labels}}'])).split('\n').filter(Boolean);
  const owner = (line: string) => Number(new RegExp(`${PID_LABEL.replace('.', '\\.')}[:=](\\d+)`).exec(line)?.[1]);
  const doomed = lines.filter((line) => which === 'own' || !alive(owner(line))).map((line) => line.split(' ')[0]!);
  if (doomed.length > 0) await engine(cmd, ['rm', '-f', ...doomed]).catch(() => undefined);
  return doomed.length;
}

/**
 * For an exit that cannot wait (a second stop signal): remove this process's
 * containers synchronously. Killing the engine's client, as the launcher kill
 * does, leaves the container itself running.
 */
export function removeOwnNow(cmd: EngineCommand): void {
  const run = (args: string[]) => spawnSync(cmd.program, [...cmd.globalArgs, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
  const ids = run(['ps', '-a', '-q', '--filter', `label=${LABEL}=1`, '--filter', `label=${HOST_LABEL}=${os.hostname()}`, '--filter', `label=${PID_LABEL}=${process.pid}`]).stdout?.split('\n').filter(Boolean) ?? [];
  if (ids.length === 0) return;
  run(['kill', ...ids]);
  run(['rm', '-f', ...ids]);
}

/** Whether process `pid` exists (on this host). */
export function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the app's image needs: its base, its build folder, its install steps. */
export interface ImageRecipe {
  /** Image to start FROM, or undefined when `build` makes it. */
  image?: string;
  build?: string;
  install: string[];
  /** Variables the install steps get (the app's `environment` and `environ`). */
  environ: Record<string, string>;
  /** Copied into the image for the install steps, as their working directory. */
  workdir: string;
  /** For the tag: `broapt-<name>`. */
  key: string;
}

export function recipeOf(app: App, workdir: string): ImageRecipe {
  return { ...(app.image === undefined ? {} : { image: app.image }), ...(app.build === undefined ? {} : { build: app.build }), install: app.install, environ: app.environ, workdir, key: app.key };
}

/** Tag of the recipe's image: its content hash, so a changed Dockerfile, file or install step builds anew. */
export function imageTag(recipe: ImageRecipe): string | undefined {
  if (recipe.build === undefined && recipe.install.length === 0) return undefined;
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ image: recipe.image, install: recipe.install, environ: recipe.environ }));
  if (recipe.build !== undefined) hashTree(hash, recipe.build);
  if (recipe.install.length > 0) hashTree(hash, recipe.workdir);
  const name = recipe.key.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '') || 'app';
  return `localhost/broapt-${name}:${hash.digest('hex').slice(0, 16)}`;
}

function hashTree(hash: ReturnType<typeof createHash>, root: string): void {
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      hash.update(`\0${path.relative(root, file)}\0`);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile()) hash.update(fs.readFileSync(file));
      else if (entry.isSymbolicLink()) hash.update(fs.readlinkSync(file));
    }
  };
  walk(root);
}

/** The Dockerfile or Containerfile of a build folder. */
function dockerfileOf(folder: string): string {
  const found = ['Containerfile', 'Dockerfile'].map((name) => path.join(folder, name)).find((file) => fs.existsSync(file));
  if (!found) throw new Error(`${folder} holds no Containerfile or Dockerfile to build the app's image from`);
  return found;
}

/**
 * Shell code that builds the recipe's image as `tag`: `build` first, then the
 * `install` steps as RUN layers over it, with the workdir copied in as their
 * working directory and the app's variables as build arguments. It runs
 * through the launcher like an install command, so its output lands in the
 * install log and it has a timeout.
 */
export function buildScript(cmd: EngineCommand, recipe: ImageRecipe, tag: string): string {
  const run = (args: string[]) => [cmd.program, ...cmd.globalArgs, ...args].map(quote).join(' ');
  const steps: string[] = [];
  let base = recipe.image;
  if (recipe.build !== undefined) {
    base = recipe.install.length === 0 ? tag : `${tag}-base`;
    steps.push(run(['build', '--label', `${LABEL}=1`, '-t', base, '-f', dockerfileOf(recipe.build), recipe.build]));
  }
  if (recipe.install.length > 0) {
    const names = Object.keys(recipe.environ);
    const lines = [`FROM ${base}`, ...names.map((name) => `ARG ${name}`), 'COPY . /broapt/build/', 'WORKDIR /broapt/build'];
    for (const step of recipe.install) lines.push(`RUN ${JSON.stringify(['/bin/sh', '-c', step])}`);
    const buildArgs = Object.entries(recipe.environ).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]);
    steps.push(`printf '%s\\n' ${quote(lines.join('\n'))} | ${run(['build', '--label', `${LABEL}=1`, ...buildArgs, '-t', tag, '-f', '-', recipe.workdir])}`);
  }
  return steps.join(' && ');
}

export async function imageExists(cmd: EngineCommand, image: string): Promise<boolean> {
  return engine(cmd, ['image', 'inspect', '--format', '{{.Id}}', image]).then(
    () => true,
    () => false,
  );
}
