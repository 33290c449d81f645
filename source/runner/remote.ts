import { scanRemotely } from '../daemon/client.ts';
import type { Task, TaskOutcome } from '../pool/task.ts';
import { commandReport } from '../report/merge.ts';
import { commandLogPath } from './api-logs.ts';
import type { RemoteTarget } from './remote-target.ts';

/** A `remote: true` app's file in a pool worker: the daemon runs the app, its report comes back as the app's own. */
export async function runRemoteTask(task: Task, target: RemoteTarget): Promise<TaskOutcome> {
  const { entry, plan } = task;
  const outcome = await scanRemotely({
    target,
    mime: entry.mime.name,
    timeoutMs: plan.timeoutMs,
    maxAttempts: task.maxAttempts,
    backoffCapMs: task.backoffCapMs,
    logFile: commandLogPath(task.apiLogs, plan.logFolder, entry.fuid, 'report', 1),
  });
  const reports = outcome.report === undefined ? [] : [commandReport(plan.key, 'report', 1, outcome.report)];
  const sha256 = outcome.report?.details.sha256;
  return {
    commands: [outcome.result],
    reports,
    ...(typeof sha256 === 'string' ? { sha256 } : {}),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
  };
}
