import type { App } from '../api/app.ts';
import type { Entry } from '../entry/entry.ts';
import { commandLogPath } from '../runner/api-logs.ts';
import { runCommand } from '../runner/host.ts';
import { succeeded, type CommandResult } from '../runner/result.ts';
import { describeFailure } from './failure.ts';
import { fileEnvironment } from './task.ts';

export interface InstallOutcome {
  commands: CommandResult[];
  reason?: string;
}

export interface InstallContext {
  apiLogs: string;
  logFolder: string;
  workdir: string;
  maxAttempts: number;
  backoffCapMs: number;
}

/** Makes "once" hold across machines (cluster mode: source/redis/install-lock.ts). */
export interface InstallLock {
  /** Runs `install` unless the app's install already ran elsewhere, and never while another machine runs it. */
  around(app: App, install: () => Promise<InstallOutcome>): Promise<InstallOutcome>;
}

/**
 * Runs each `shared` key's `install` commands once for the whole pool. It lives
 * on the main thread, which hands files to the workers, so "once" holds across
 * every worker without locks: files of a key wait on the same promise. A failed
 * install is forgotten: it fails the file it ran for, and the next file of that
 * key (including one that was waiting) tries again.
 */
export class InstallGate {
  readonly #done = new Set<string>();
  readonly #running = new Map<string, Promise<InstallOutcome>>();
  readonly #lock: InstallLock | undefined;

  constructor(lock?: InstallLock) {
    this.#lock = lock;
  }

  /** Resolves with the commands this call ran (empty when already installed). */
  async ensure(app: App, entry: Entry, context: InstallContext): Promise<InstallOutcome> {
    if (app.install.length === 0 || this.#done.has(app.shared)) return { commands: [] };
    const running = this.#running.get(app.shared);
    if (running) {
      // Another file's install: on success this file needs none; on failure it makes its own attempt.
      const outcome = await running;
      return outcome.reason === undefined ? { commands: [] } : this.ensure(app, entry, context);
    }
    const install = () => this.#install(app, entry, context);
    const promise = this.#lock ? this.#lock.around(app, install) : install();
    this.#running.set(app.shared, promise);
    try {
      const outcome = await promise;
      if (outcome.reason === undefined) this.#done.add(app.shared);
      return outcome;
    } finally {
      this.#running.delete(app.shared);
    }
  }

  async #install(app: App, entry: Entry, context: InstallContext): Promise<InstallOutcome> {
    const env = { ...app.environ, ...fileEnvironment(entry) };
    const commands: CommandResult[] = [];
    for (const [i, command] of app.install.entries()) {
      const result = await runCommand({
        phase: 'install',
        index: i + 1,
        command,
        cwd: context.workdir,
        env,
        logFile: commandLogPath(context.apiLogs, context.logFolder, entry.fuid, 'install', i + 1),
        timeoutMs: app.timeoutMs,
        maxAttempts: context.maxAttempts,
        backoffCapMs: context.backoffCapMs,
      });
      commands.push(result);
      if (!succeeded(result)) return { commands, reason: `install of "${app.shared}" failed: ${describeFailure(app.key, result)}` };
    }
    return { commands };
  }
}
