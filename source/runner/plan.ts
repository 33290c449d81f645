/**
 * What an isolated runner needs to know about an app, decided on the main thread
 * (api.yml, the run's settings, the container engine) and sent to the workers
 * inside each task, so a worker never loads api.yml or probes for an engine.
 */

export const RUNNER_KINDS = ['host', 'sandbox', 'container'] as const;
export type RunnerKind = (typeof RUNNER_KINDS)[number];

/** Resource limits of one command under `sandbox` or `container`; unset means "no limit of ours". */
export interface Limits {
  /** Bytes: data size (sandbox, RLIMIT_DATA) or memory (container, --memory). */
  memory?: number;
  /** Seconds of CPU time (RLIMIT_CPU). */
  cpu?: number;
  /** Processes and threads (sandbox: RLIMIT_NPROC of its user; container: --pids-limit). */
  processes?: number;
  /** Bytes: largest file a command may write (RLIMIT_FSIZE). */
  fileSize?: number;
  /** Bytes each of its /tmp and its output folder may hold (size-limited tmpfs): RLIMIT_FSIZE bounds one file, not how many. */
  disk?: number;
}

/** The limits an app gets for those it does not set: a runaway analyzer must not take the host down. */
export const DEFAULT_LIMITS: Readonly<Limits> = { memory: 4 * 2 ** 30, processes: 256, fileSize: 2 ** 30, disk: 2 ** 30 };

/** An extra host path shown to the app: read-only unless `writable`. */
export interface Mount {
  source: string;
  target: string;
  writable: boolean;
}

/** A container engine's command line: the program and the options that go before every subcommand. */
export interface EngineCommand {
  program: string;
  /** BROAPT_CONTAINER_ARGS, e.g. `--runtime runc`. */
  globalArgs: string[];
  /** BROAPT_CONTAINER_RUN_ARGS, added to every `run`, e.g. `--ulimit nofile=1024:1024`. */
  runArgs: string[];
}

/**
 * How the commands of one app are isolated; absent (host runner) means "run
 * them as they are". `host` is the host runner with an api.yml
 * `limits.memory`, applied as RLIMIT_DATA and nothing else.
 */
export interface Isolation {
  kind: 'host' | 'sandbox' | 'container';
  limits: Limits;
  mounts: Mount[];
  /** For `container`: the engine, the image (already built) and the `run` options of the app's `container:` map. */
  container?: { engine: EngineCommand; image: string; options: string[] };
}

/** What one isolated command sees of the host besides the system folders. */
export interface IsolatedRun {
  isolation: Isolation;
  /** Shell code, run by /bin/sh inside. */
  command: string;
  /** The app's workdir: shown read-only, and the command's working directory. */
  cwd: string;
  /** Variables the command gets (their values come from the launcher's exports, never from the code). */
  envNames: string[];
  /**
   * The file under analysis, shown read-only at `path`, mounted from `source`:
   * what opens the file broapt checked (its descriptor's /proc link, or a
   * private copy), never the name in the dump folder. Absent for a command without one.
   */
  file?: { path: string; source: string };
  /** The only writable host folder. */
  outputDir: string;
  /** The sandbox's uid (SANDBOX_UIDS) when broapt is root; it owns the output folder. */
  uid?: number;
}
