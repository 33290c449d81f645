// Piscina hands a worker its pool's workerData unchanged; reading it here spares the worker loading piscina's index.
import { workerData } from 'node:worker_threads';
import { collectReport, reportPathOf } from '../report/collect.ts';
import { sha256File } from '../report/hash.ts';
import { childrenPathOf } from '../report/children.ts';
import { commandReport, mergeReports, type CommandReport } from '../report/merge.ts';
import { commandLogPath } from '../runner/api-logs.ts';
import { runCommand } from '../runner/host.ts';
import { useLauncherRegistry } from '../runner/launcher.ts';
import { runRemoteTask } from '../runner/remote.ts';
import { succeeded, type CommandResult, type Phase } from '../runner/result.ts';
import { describeFailure } from './failure.ts';
import { fileEnvironment, type Task, type TaskOutcome } from './task.ts';

const shared = workerData as { stop: Int32Array; launchers: Int32Array; lanes: number };
const stopFlag = shared.stop;
useLauncherRegistry(shared.launchers);

const CANCELLED: TaskOutcome = { commands: [], reports: [], cancelled: true };
const stopping = () => Atomics.load(stopFlag, 0) === 1;

/**
 * The pool gives each worker its next files while some run (FilePool), and
 * they take lanes here in arrival order: at most `lanes` files run commands at
 * once in this thread, so `--jobs` still bounds the files analysed at once and
 * an app's scripts never interleave with another file's in the same lane. A
 * waiting file's commands start the moment a lane frees, with no round trip
 * through the main thread; the finished file's report and hash are read meanwhile.
 */
let freeLanes = shared.lanes;
const waitingForLane: Array<() => void> = [];

/** Resolves when a lane is free for this file, with the function that frees it (once, however often it is called). */
async function takeLane(): Promise<() => void> {
  if (freeLanes > 0) freeLanes--;
  else await new Promise<void>((resolve) => waitingForLane.push(resolve));
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const next = waitingForLane.shift();
    if (next) next();
    else freeLanes++;
  };
}

export default async function processTask(task: Task): Promise<TaskOutcome> {
  if (stopping()) return CANCELLED;
  const endTurn = await takeLane();
  try {
    // A stop came while the file waited for a lane: nothing has run, so it goes back untouched.
    if (stopping()) return CANCELLED;
    return task.plan.remote ? await runRemoteTask(task, task.plan.remote) : await runApp(task, endTurn);
  } finally {
    endTurn();
  }
}

/**
 * Runs an app's `scripts` in order, then its `report`, and stops at the first
 * command that fails after its retries. A failing app is data in the outcome;
 * nothing here throws for it. `endTurn` is called once no command is left.
 */
async function runApp(task: Task, endTurn: () => void): Promise<TaskOutcome> {
  const { entry, plan } = task;
  const env = { ...plan.environ, ...fileEnvironment(entry) };
  const steps: Array<[Phase, number, string]> = [
    ...plan.scripts.map((command, i): [Phase, number, string] => ['scripts', i + 1, command]),
    ['report', 1, plan.report],
  ];
  const commands: CommandResult[] = [];
  const reports: CommandReport[] = [];
  for (const [phase, index, command] of steps) {
    const logFile = commandLogPath(task.apiLogs, plan.logFolder, entry.fuid, phase, index);
    const reportFile = reportPathOf(logFile);
    const result = await runCommand({
      phase,
      index,
      command,
      cwd: plan.workdir,
      env: { ...env, BROAPT_REPORT: reportFile, BROAPT_CHILDREN: childrenPathOf(logFile) },
      logFile,
      reportFile,
      timeoutMs: plan.timeoutMs,
      maxAttempts: task.maxAttempts,
      backoffCapMs: task.backoffCapMs,
      ...(plan.isolation === undefined ? {} : { isolation: plan.isolation }),
      warm: plan.warm && phase === 'report',
    });
    commands.push(result);
    if (commands.length === steps.length) endTurn();
    if (!succeeded(result)) return { commands, reports, reason: describeFailure(plan.key, result) };
    const report = collectReport(reportFile, logFile);
    if (report !== undefined) reports.push(commandReport(plan.key, phase, index, report));
  }
  // Hashing reads the whole file: skipped when an app (the generic scan) already did it.
  const sha256 = mergeReports(reports).sha256 === undefined ? sha256File(entry.path) : undefined;
  return { commands, reports, ...(sha256 === undefined ? {} : { sha256 }) };
}
