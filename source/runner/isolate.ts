import fs from 'node:fs';
import path from 'node:path';
import { containerCommand, containerFilePath, containerName, removeContainer } from './container.ts';
import { launch, type Launch, type LaunchOutcome } from './launcher.ts';
import type { IsolatedRun, Isolation } from './plan.ts';
import { isFile, makeOutputDir, takeReport, takeTree } from './run-folder.ts';
import { sandboxCommand } from './sandbox.ts';
import { launchWarm } from './warm.ts';

/**
 * Run one command through the launcher, as it is (host runner) or wrapped in
 * bwrap or a container. Isolated commands get a fresh output folder, the only
 * place they can write; `$BROAPT_REPORT` points into it, and the report is
 * moved to the path the caller chose once the command is over.
 */
export async function launchWith(isolation: Isolation | undefined, request: Launch, warm = false): Promise<LaunchOutcome> {
  if (warm) return launchWarm(isolation, request);
  if (isolation === undefined) return launch(request);
  const output = makeOutputDir();
  const report = request.env.BROAPT_REPORT;
  const children = request.env.BROAPT_CHILDREN;
  const env = { ...request.env };
  if (report !== undefined) env.BROAPT_REPORT = path.join(output, 'report.json');
  if (children !== undefined) {
    env.BROAPT_CHILDREN = path.join(output, 'children');
    fs.mkdirSync(env.BROAPT_CHILDREN);
    fs.chmodSync(env.BROAPT_CHILDREN, 0o777);
  }
  const file = env.BROAPT_PATH !== undefined && isFile(env.BROAPT_PATH) ? env.BROAPT_PATH : undefined;
  const run: IsolatedRun = { isolation, command: request.command, cwd: request.cwd, envNames: Object.keys(env), outputDir: output, ...(file === undefined ? {} : { file }) };
  try {
    if (isolation.kind === 'sandbox') return await launch({ ...request, env, command: sandboxCommand(run) });
    if (file !== undefined) env.BROAPT_PATH = containerFilePath(file);
    const name = containerName();
    const outcome = await launch({ ...request, env, command: containerCommand(run, name) });
    // Killing the engine's client does not stop the container (podman has no daemon to tell; docker's keeps it running).
    if (outcome.timedOut) await removeContainer(isolation.container!.engine, name);
    return outcome;
  } finally {
    if (report !== undefined) takeReport(path.join(output, 'report.json'), report);
    if (children !== undefined) takeTree(path.join(output, 'children'), children);
    fs.rmSync(output, { recursive: true, force: true });
  }
}
