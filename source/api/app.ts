import type { SourcePosition } from '../errors.ts';
import type { Limits, Mount, RunnerKind } from '../runner/plan.ts';

/** api.yml `container:`: options of `<engine> run`, the way Vent's `[docker]` section passes them. */
export interface ContainerOptions {
  /** `--network`; default `none`. */
  network?: string;
  /** `--memory`, bytes; default the app's memory limit. */
  memory?: number;
  /** `--cpus`. */
  cpus?: number;
  /** `--pids-limit`; default the app's process limit. */
  pids?: number;
  /** `--user`. */
  user?: string;
  /** `--read-only` root file system; default true. */
  readOnly: boolean;
  /** Extra mounts for this runner only, after the app's `mounts`. */
  mounts: Mount[];
  /** Further `run` options, passed as written. */
  args: string[];
}

/** One analyzer app as api.yml declares it for a MIME pattern (or the `example` default). */
export interface App {
  /**
   * The api.yml key that declared it: `example`, or `media/subtype-pattern`
   * exactly as written (e.g. `application/vnd.ms-*`), media part lower-cased.
   */
  key: string;
  /** Media type section (`application`, ...), or `example` for the default. */
  mediaType: string;
  /** Subtype pattern as written (a shell glob), or `''` for `example`. */
  pattern: string;
  /** True when `pattern` holds glob characters. */
  isGlob: boolean;
  /** `workdir` from api.yml (default `.`), `$VAR`-expanded at load but not yet resolved to an absolute path (see resolveWorkdir). */
  workdir: string;
  /** `environment` merged with the entry's `environ`, values `${VAR}`-expanded at load. */
  environ: Record<string, string>;
  install: string[];
  /** Commands that prove the app usable (rules compile, databases load); `broapt apps check`, scan and watch run them before any file. */
  check: string[];
  scripts: string[];
  report: string;
  remote: boolean;
  /** Install-once key: `shared` if given, else `key`. Apps with one key install once between them. */
  shared: string;
  /** Per-command timeout in milliseconds. */
  timeoutMs: number;
  /** `runner`; undefined: the run's default (--runner / BROAPT_RUNNER). */
  runner?: RunnerKind;
  /** Container image to run (`runner: container`); `build` instead makes one. */
  image?: string;
  /** Absolute folder holding a Dockerfile or Containerfile, built once and tagged by content hash. */
  build?: string;
  container: ContainerOptions;
  /** Extra host paths shown to an isolated app (read-only unless `:rw`). */
  mounts: Mount[];
  /** `report` runs once per worker and takes files as JSON lines on its stdin. */
  warm: boolean;
  /** Resource limits as api.yml sets them; isolated runners fill the rest from DEFAULT_LIMITS. */
  limits: Limits;
  /** Where the app was declared, for messages. */
  position: SourcePosition;
}

/** A loaded api.yml. */
export interface ApiConfig {
  /** Absolute path of the api.yml file. */
  file: string;
  /** Folder api.yml lives in (API_ROOT): relative workdirs resolve below it. */
  root: string;
  /** Top-level `environment`, expanded. */
  environment: Record<string, string>;
  /** The mandatory default app. */
  example: App;
  /** Every MIME app in file order (media sections in file order, subtypes in order within). */
  apps: App[];
}

/** Why an app was chosen for a MIME type. */
export interface AppMatch {
  app: App;
  /** `exact`: the key equals the MIME; `glob`: first glob in file order; `default`: no key matched. */
  reason: 'exact' | 'glob' | 'default';
  /** Absolute working directory the commands run in. */
  workdir: string;
}
