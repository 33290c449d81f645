import path from 'node:path';
import { containerCommand, containerFilePath, containerName, removeContainer } from './container.ts';
import { launch, withDataLimit, type Launch, type LaunchOutcome } from './launcher.ts';
import { makeInputDir, makeOutputDir, makeOwnedDir, removeRunDir } from './output-dir.ts';
import { pin, pinnedPath, stagePinned, unpin } from './pin.ts';
import type { IsolatedRun, Isolation } from './plan.ts';
import { sandboxCommand, sandboxUid } from './sandbox.ts';
import { takeReport, takeTree } from './take.ts';
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
  if (isolation.kind === 'host') return launch({ ...request, command: withDataLimit(isolation.limits.memory!, request.command) });
  const uid = isolation.kind === 'sandbox' ? sandboxUid() : undefined;
  const owner = isolation.kind === 'sandbox' ? (uid ?? process.getuid?.()) : undefined;
  let output: string;
  try {
    output = makeOutputDir(owner, isolation.limits.disk);
  } catch (error) {
    return { exitCode: null, signal: null, timedOut: false, error: (error as Error).message };
  }
  const report = request.env.BROAPT_REPORT;
  const children = request.env.BROAPT_CHILDREN;
  const env = { ...request.env };
  if (report !== undefined) env.BROAPT_REPORT = path.join(output, 'report.json');
  if (children !== undefined) {
    env.BROAPT_CHILDREN = path.join(output, 'children');
    makeOwnedDir(env.BROAPT_CHILDREN, owner);
  }
  // Checked and shown through one descriptor: the name may be swapped for a link or FIFO at any moment.
  const pinned = env.BROAPT_PATH === undefined ? undefined : pin(env.BROAPT_PATH);
  let staging: string | undefined;
  try {
    const run: IsolatedRun = { isolation, command: request.command, cwd: request.cwd, envNames: Object.keys(env), outputDir: output, ...(uid === undefined ? {} : { uid }) };
    if (isolation.kind === 'sandbox') {
      if (pinned !== undefined) run.file = { path: env.BROAPT_PATH!, source: pinnedPath(pinned) };
      return await launch({ ...request, env, command: sandboxCommand(run) });
    }
    if (pinned !== undefined) {
      // The engine resolves a /proc descriptor link to a name again: it gets a private link or copy instead.
      staging = makeInputDir();
      const staged = path.join(staging, 'file');
      stagePinned(pinned, env.BROAPT_PATH!, staged);
      run.file = { path: containerFilePath(env.BROAPT_PATH!), source: staged };
      env.BROAPT_PATH = run.file.path;
    }
    const name = containerName();
    const outcome = await launch({ ...request, env, command: containerCommand(run, name) });
    // Killing the engine's client does not stop the container (podman has no daemon to tell; docker's keeps it running).
    if (outcome.timedOut) await removeContainer(isolation.container!.engine, name);
    return outcome;
  } finally {
    unpin(pinned);
    if (report !== undefined) takeReport(path.join(output, 'report.json'), report);
    if (children !== undefined) takeTree(path.join(output, 'children'), children);
    removeRunDir(output);
    if (staging !== undefined) removeRunDir(staging);
  }
}
