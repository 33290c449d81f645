import type { Entry } from '../entry/entry.ts';
import type { CommandReport } from '../report/merge.ts';
import type { Isolation } from '../runner/plan.ts';
import type { RemoteTarget } from '../runner/remote-target.ts';
import type { CommandResult } from '../runner/result.ts';

/**
 * What a pool worker needs to analyse one file: everything is resolved on the
 * main thread (matching, workdir, environment), so a worker never loads api.yml
 * and a task is a small structured-clone message.
 */
export interface AppPlan {
  key: string;
  /** Folder under API_LOGS for this file's logs: `example` or the file's MIME name (reference layout). */
  logFolder: string;
  workdir: string;
  /** api.yml `environment` + `environ`, already expanded. */
  environ: Record<string, string>;
  scripts: string[];
  report: string;
  timeoutMs: number;
  /** For a `remote: true` app: the daemon that runs it instead of these commands. */
  remote?: RemoteTarget;
  /** Sandbox or container of the app's commands; absent: the host runner. */
  isolation?: Isolation;
  /** `report` is a warm process taking one file after another (source/runner/warm.ts). */
  warm: boolean;
}

export interface Task {
  entry: Entry;
  plan: AppPlan;
  apiLogs: string;
  maxAttempts: number;
  backoffCapMs: number;
}

/** Variables every command gets besides api.yml's; file-derived values reach commands only this way. */
export function fileEnvironment(entry: Entry): Record<string, string> {
  return { BROAPT_PATH: entry.path, BROAPT_MIME: entry.mime.name };
}

export interface TaskOutcome {
  commands: CommandResult[];
  /** The reports of the commands that gave one (apps/README.md). */
  reports: CommandReport[];
  /** Of the file, when it was read; undefined when an app reported it (the record takes that one). */
  sha256?: string;
  /** Set when a command failed for good: the file is then a failure. */
  reason?: string;
  /** The pool was stopping before this file started: nothing ran, nothing is recorded. */
  cancelled?: true;
}
