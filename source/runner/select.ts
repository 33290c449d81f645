import type { ApiConfig, App } from '../api/app.ts';
import type { Entry } from '../entry/entry.ts';
import { BroaptError, ConfigError, UsageError } from '../errors.ts';
import type { InstallContext, InstallGate, InstallOutcome } from '../pool/install.ts';
import { commandLogPath } from './api-logs.ts';
import { buildScript, detectEngine, which, imageExists, imageTag, recipeOf, removeLeftovers, removeOwnNow, runOptions } from './container.ts';
import { runCommand } from './host.ts';
import { removeOwnRunDirs } from './output-dir.ts';
import { DEFAULT_LIMITS, type EngineCommand, type Isolation, type RunnerKind } from './plan.ts';
import { succeeded } from './result.ts';

/** An image build may take far longer than one analysis: at least this long. */
const MIN_BUILD_TIMEOUT_MS = 30 * 60_000;

export interface Prepared extends InstallOutcome {
  /** For the commands of the file; absent on the host runner. */
  isolation?: Isolation;
}

/**
 * Chooses each app's runner (`runner:` in api.yml, else the run's default) and
 * gets it ready on the main thread before a file's commands go to a worker:
 * host and sandbox apps run their `install` once on the host (it is the app
 * author's setup, not file-facing); a container app's `install` steps are
 * layers of its image, built once and tagged by content hash.
 */
export class Runners {
  readonly #default: RunnerKind;
  readonly #env: NodeJS.ProcessEnv;
  #engine: EngineCommand | undefined;
  /** Built (or building) images by tag; a failed build is forgotten, so the next file tries again. */
  readonly #images = new Map<string, Promise<InstallOutcome>>();

  constructor(defaultRunner: RunnerKind, env: NodeJS.ProcessEnv = process.env) {
    this.#default = defaultRunner;
    this.#env = env;
  }

  kindOf(app: App): RunnerKind {
    return app.runner ?? this.#default;
  }

  /**
   * What keeps `app` from running on its runner, found without running
   * anything: no bwrap for a sandbox app, no image for a container app.
   */
  problemOf(app: App): { code: string; problem: string } | undefined {
    const kind = this.kindOf(app);
    if (kind === 'sandbox' && which('bwrap', this.#env) === undefined) {
      return { code: 'E_NO_SANDBOX', problem: 'it runs in the sandbox, but bwrap (bubblewrap) is not on PATH: install it (apt-get install bubblewrap), or choose another runner (--runner, `runner:` in api.yml)' };
    }
    if (kind === 'container' && app.image === undefined && app.build === undefined) {
      return { code: 'E_API_NO_IMAGE', problem: 'the default runner is `container`, and this app has no `image:` or `build:`: give one, or `runner: host` / `runner: sandbox` for it' };
    }
    return undefined;
  }

  /**
   * Before the first file: every app but the `skipped` ones (broken, their
   * files fail without running) can run, and orphan containers of a dead
   * broapt are gone.
   */
  async start(config: ApiConfig, skipped: ReadonlySet<App> = new Set()): Promise<void> {
    const apps = [config.example, ...config.apps].filter((app) => !skipped.has(app));
    for (const app of apps) {
      const found = this.problemOf(app);
      if (found?.code === 'E_NO_SANDBOX') throw new UsageError(`${app.key}: ${found.problem}.`, found.code);
      if (found) throw new ConfigError(found.code, found.problem, app.key, app.position);
    }
    if (!apps.some((app) => this.kindOf(app) === 'container')) return;
    const engine = this.engine();
    try {
      await removeLeftovers(engine, 'orphans');
    } catch (error) {
      throw new BroaptError('E_CONTAINER_ENGINE', `the container engine ${engine.program} does not work: ${(error as Error).message}\nCheck BROAPT_CONTAINER_ENGINE, BROAPT_CONTAINER_ARGS and BROAPT_CONTAINER_RUN_ARGS.`);
    }
  }

  /** At shutdown: remove this process's containers (a forced exit may have left some running) and output folders. */
  async close(): Promise<void> {
    if (this.#engine) await removeLeftovers(this.#engine, 'own').catch(() => 0);
    removeOwnRunDirs();
  }

  /** A forced exit: remove this process's containers now, synchronously. */
  killNow(): void {
    if (this.#engine) removeOwnNow(this.#engine);
  }

  engine(): EngineCommand {
    this.#engine ??= detectEngine(this.#env);
    return this.#engine;
  }

  /** `gate` runs the `install` of host and sandbox apps once. */
  async prepare(app: App, entry: Entry, context: InstallContext, gate: InstallGate): Promise<Prepared> {
    const kind = this.kindOf(app);
    if (kind !== 'container') {
      const install = await gate.ensure(app, entry, context);
      if (kind === 'sandbox') return { ...install, isolation: { kind, limits: { ...DEFAULT_LIMITS, ...app.limits }, mounts: app.mounts } };
      // The host runner takes no default limits (it runs trusted tools as they are), only the memory api.yml asks for.
      return app.limits.memory === undefined ? install : { ...install, isolation: { kind, limits: { memory: app.limits.memory }, mounts: [] } };
    }
    const recipe = recipeOf(app, context.workdir);
    const tag = imageTag(recipe);
    let built: InstallOutcome = { commands: [] };
    if (tag !== undefined) {
      let building = this.#images.get(tag);
      if (!building) {
        building = this.#build(app, entry, context, tag);
        this.#images.set(tag, building);
      }
      built = await building;
      if (built.reason !== undefined) {
        if (this.#images.get(tag) === building) this.#images.delete(tag);
        return built;
      }
    }
    const limits = { ...DEFAULT_LIMITS, ...app.limits };
    return { ...built, isolation: { kind, limits, mounts: app.mounts, container: { engine: this.engine(), image: tag ?? app.image!, options: runOptions(app.container, limits) } } };
  }

  async #build(app: App, entry: Entry, context: InstallContext, tag: string): Promise<InstallOutcome> {
    const engine = this.engine();
    if (await imageExists(engine, tag)) return { commands: [] };
    let command: string;
    try {
      command = buildScript(engine, recipeOf(app, context.workdir), tag);
    } catch (error) {
      return { commands: [], reason: `cannot build the image of ${app.key}: ${(error as Error).message}` };
    }
    const result = await runCommand({
      phase: 'install',
      index: 1,
      command,
      cwd: context.workdir,
      env: {},
      logFile: commandLogPath(context.apiLogs, context.logFolder, entry.fuid, 'install', 1),
      timeoutMs: Math.max(app.timeoutMs, MIN_BUILD_TIMEOUT_MS),
      maxAttempts: context.maxAttempts,
      backoffCapMs: context.backoffCapMs,
    });
    if (succeeded(result)) return { commands: [result] };
    return { commands: [result], reason: `building the image ${tag} of ${app.key} failed (exit ${result.exitCode ?? result.signal ?? result.error}); see ${result.log}` };
  }
}
