import type { App } from '../api/app.ts';
import type { Entry } from '../entry/entry.ts';
import { commandLogPath } from '../runner/api-logs.ts';
import { runCommand } from '../runner/host.ts';
import { succeeded, type CommandResult } from '../runner/result.ts';
import { describeFailure } from './worker.ts';
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

/**
 * Runs each `shared` key's `install` commands once for the whole pool. It lives
 * on the main thread, which hands files to the workers, so "once" holds across
 * every worker without locks: files of a key wait on the same promise. A failed
 * install is forgotten, so the next file of that key tries again.
 */
export class InstallGate {
  readonly #done = new Set<string>();
  readonly #running = new Map<string, Promise<InstallOutcome>>();

  /** Resolves with the commands this call ran (empty when already installed). */
  async ensure(app: App, entry: Entry, context: InstallContext): Promise<InstallOutcome> {
    if (app.install.length === 0 || this.#done.has(app.shared)) return { commands: [] };
    const running = this.#running.get(app.shared);
    if (running) {
      const outcome = await running;
      // Those commands were another file's; this file only learns the result.
      return outcome.reason === undefined ? { commands: [] } : { commands: [], reason: outcome.reason };
    }
    const promise = this.#install(app, entry, context);
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
    const logEnv = { ...app.environ, ...fileEnvironment(entry) };
    const env = { ...(process.env as Record<string, string>), ...logEnv };
    const commands: CommandResult[] = [];
    for (const [i, command] of app.install.entries()) {
      const result = await runCommand({
        phase: 'install',
        index: i + 1,
        command,
        cwd: context.workdir,
        env,
        logEnv,
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
