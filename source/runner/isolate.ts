import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive, containerCommand, containerFilePath, containerName, removeContainer } from './container.ts';
import { launch, type Launch, type LaunchOutcome } from './launcher.ts';
import type { Isolation } from './plan.ts';
import { sandboxCommand, type IsolatedRun } from './sandbox.ts';
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

function isFile(file: string): boolean {
  return fs.lstatSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

let runsRoot: string | undefined;

/**
 * A fresh folder any user may write (the sandbox drops to another user, a
 * container's root may not own it), inside a folder of ours that others can
 * traverse but not list, so its random name is its protection.
 */
export function makeOutputDir(): string {
  const dir = fs.mkdtempSync(path.join(runsFolder(), `out-${process.pid}-`));
  fs.chmodSync(dir, 0o777);
  return dir;
}

/** broapt's own folder under the temporary folder: others may traverse it, not list it. */
export function runsFolder(): string {
  if (runsRoot === undefined) {
    const root = path.join(os.tmpdir(), `broapt-runs-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(root, { recursive: true, mode: 0o711 });
    const stat = fs.lstatSync(root);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.()) throw new Error(`${root} is not a folder of this user: remove it, it may be a trap`);
    fs.chmodSync(root, 0o711);
    // Folders of broapt processes that ended without removing them (a warm process's live as long as it does).
    for (const name of fs.readdirSync(root)) {
      const owner = Number(/^out-(\d+)-/.exec(name)?.[1]);
      if (owner > 0 && !alive(owner)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
    runsRoot = root;
  }
  return runsRoot;
}

/**
 * Move what the app unpacked to `$BROAPT_CHILDREN` where the caller looks for
 * it (children are named relative to that folder): folders and regular files
 * only, never a link the app made.
 */
function takeTree(from: string, to: string): void {
  const entries = fs.readdirSync(from, { withFileTypes: true });
  if (entries.length === 0) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of entries) {
    if (entry.isDirectory()) takeTree(path.join(from, entry.name), path.join(to, entry.name));
    else if (entry.isFile()) takeReport(path.join(from, entry.name), path.join(to, entry.name));
  }
}

/** Move the app's report to where the caller reads it; only a regular file counts (a link could point at a host secret). */
export function takeReport(from: string, to: string): void {
  if (!isFile(from)) return;
  try {
    fs.renameSync(from, to);
  } catch {
    fs.copyFileSync(from, to);
  }
}
