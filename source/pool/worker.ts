import { commandLogPath } from '../runner/api-logs.ts';
import { runCommand } from '../runner/host.ts';
import { succeeded, type CommandResult, type Phase } from '../runner/result.ts';
import { fileEnvironment, type Task } from './task.ts';

export interface TaskOutcome {
  commands: CommandResult[];
  /** Set when a command failed for good: the file is then a failure. */
  reason?: string;
}

/**
 * Piscina worker: runs an app's `scripts` in order, then its `report`, and
 * stops at the first command that fails after its retries. A failing app is
 * data in the outcome; nothing here throws for it.
 */
export default async function processTask(task: Task): Promise<TaskOutcome> {
  const { entry, plan } = task;
  const logEnv = { ...plan.environ, ...fileEnvironment(entry) };
  const env = { ...(process.env as Record<string, string>), ...logEnv };
  const steps: Array<[Phase, number, string]> = [
    ...plan.scripts.map((command, i): [Phase, number, string] => ['scripts', i + 1, command]),
    ['report', 1, plan.report],
  ];
  const commands: CommandResult[] = [];
  for (const [phase, index, command] of steps) {
    const result = await runCommand({
      phase,
      index,
      command,
      cwd: plan.workdir,
      env,
      logEnv,
      logFile: commandLogPath(task.apiLogs, plan.logFolder, entry.fuid, phase, index),
      timeoutMs: plan.timeoutMs,
      maxAttempts: task.maxAttempts,
      backoffCapMs: task.backoffCapMs,
    });
    commands.push(result);
    if (!succeeded(result)) return { commands, reason: describeFailure(plan.key, result) };
  }
  return { commands };
}

export function describeFailure(app: string, result: CommandResult): string {
  const what = `${app} ${result.phase}.${result.index} (${JSON.stringify(result.command)})`;
  const after = `after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  if (result.error !== undefined) return `${what} could not start: ${result.error}; see ${result.log}`;
  if (result.timedOut) return `${what} timed out ${after}; raise \`timeout\` in api.yml if it needs longer; see ${result.log}`;
  if (result.signal) return `${what} was killed by ${result.signal} ${after}; see ${result.log}`;
  return `${what} exited ${result.exitCode} ${after}; see ${result.log}`;
}
