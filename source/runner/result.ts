/** Which list of an app a command came from. */
export type Phase = 'install' | 'scripts' | 'report';

/** What happened to one command of an app, over all its attempts. */
export interface CommandResult {
  phase: Phase;
  /** 1-based index within its phase (`<fuid>-scripts.N`). */
  index: number;
  command: string;
  /** Exit status of the last attempt as the shell reports it (128+N when signal N killed it); null when it timed out or never started. */
  exitCode: number | null;
  /** Signal that ended the last attempt, if any. */
  signal: string | null;
  /** The last attempt hit the timeout and its process tree was killed. */
  timedOut: boolean;
  /** Wall time of all attempts together, milliseconds. */
  durationMs: number;
  attempts: number;
  /** The API log file holding the command's output. */
  log: string;
  /** Set when the command could not be started at all (bad cwd, ...). */
  error?: string;
  /** broapt could not write the command's API log: a failure of broapt's own logs, not of the file. */
  logUnwritable?: true;
}

export function succeeded(result: CommandResult): boolean {
  return result.exitCode === 0 && !result.timedOut && result.error === undefined;
}
