/**
 * The folders isolated commands write to and read their file from, under a
 * folder of broapt's own in the system temporary folder that no other user
 * may enter: their names show in `ps` (bwrap's and the engine's arguments),
 * so only their folder's mode keeps another local user from forging a report
 * in one while an app runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from './container.ts';

let runsRoot: string | undefined;
const rootPath = () => path.join(os.tmpdir(), `broapt-runs-${process.getuid?.() ?? 'user'}`);

/** broapt's own folder under the temporary folder: nobody else may traverse it. */
export function runsFolder(): string {
  if (runsRoot === undefined) {
    const root = rootPath();
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(root);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.()) throw new Error(`${root} is not a folder of this user: remove it, it may be a trap`);
    fs.chmodSync(root, 0o700);
    // Folders of broapt processes that ended without removing them (a warm process's live as long as it does).
    for (const name of fs.readdirSync(root)) {
      const owner = Number(/^(?:out|in)-(\d+)-/.exec(name)?.[1]);
      if (!(owner > 0) || alive(owner)) continue;
      try {
        removeRunDir(path.join(root, name));
      } catch {
        // A mount a dead run left on it (EBUSY) must not stop this one: the folder waits for a later cleanup.
      }
    }
    runsRoot = root;
  }
  return runsRoot;
}

/**
 * A fresh folder only `owner` may write (the sandbox's uid), or anyone when
 * there is no owner to name (a container's user is the image's choice): the
 * folder above keeps everyone else out. When broapt is root the folder is a
 * tmpfs of `disk` bytes, so an app cannot fill the host's disk through it
 * (RLIMIT_FSIZE bounds one file, not how many); another user cannot mount.
 */
export function makeOutputDir(owner: number | undefined, disk: number | undefined): string {
  const dir = disk !== undefined && process.getuid?.() === 0 ? (idleMounts.get(disk)?.pop() ?? mountTmpfs(disk)) : fs.mkdtempSync(path.join(runsFolder(), `out-${process.pid}-`));
  giveTo(dir, owner);
  return dir;
}

/**
 * Emptied tmpfs output folders of this thread, by size, for the next command:
 * an unmount waits for an RCU grace period (100-400 ms measured here, per
 * command). Those left at exit go when the thread ends, else at the next start.
 */
const idleMounts = new Map<number, string[]>();
const mountSizes = new Map<string, number>();
let unmountAtExit = false;

function mountTmpfs(disk: number): string {
  const dir = fs.mkdtempSync(path.join(runsFolder(), `out-${process.pid}-`));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${disk},mode=700,nosuid,nodev`, 'broapt-output', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    fs.rmdirSync(dir);
    const reason = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
    throw new Error(`cannot mount a ${disk}-byte tmpfs on the output folder ${dir} (${reason}): isolated runners need root with CAP_SYS_ADMIN to cap an app's disk use (limits.disk)`);
  }
  if (!unmountAtExit) process.once('exit', unmountIdle);
  unmountAtExit = true;
  mountSizes.set(dir, disk);
  return dir;
}

function unmountIdle(): void {
  const dirs = [...idleMounts.values()].flat();
  idleMounts.clear();
  if (dirs.length === 0) return;
  try {
    execFileSync('umount', ['--lazy', ...dirs], { stdio: 'ignore' });
    for (const dir of dirs) fs.rmdirSync(dir);
  } catch {
    // The next start removes what is left (runsFolder).
  }
}

/** A folder inside an output folder, for `owner` as the output folder is. */
export function makeOwnedDir(dir: string, owner: number | undefined): void {
  fs.mkdirSync(dir);
  giveTo(dir, owner);
}

function giveTo(dir: string, owner: number | undefined): void {
  // Root also takes back a reused tmpfs the last command's sandbox uid owned.
  if (process.getuid?.() === 0) fs.chownSync(dir, owner ?? 0, owner ?? 0);
  fs.chmodSync(dir, owner === undefined ? 0o777 : 0o700);
}

/** A fresh folder for copies of analysed files, readable by the apps they are shown to (the folder above keeps others out). */
export function makeInputDir(): string {
  const dir = fs.mkdtempSync(path.join(runsFolder(), `in-${process.pid}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * Remove a folder made above. A tmpfs of this thread is emptied and kept for
 * the next command (the app that wrote it is gone: the sandbox's PID
 * namespace or the container ended with it); any other is unmounted first
 * (lazily: a process of a killed app may still hold it).
 */
export function removeRunDir(dir: string): void {
  const disk = mountSizes.get(dir);
  if (disk !== undefined) {
    try {
      for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      const idle = idleMounts.get(disk) ?? [];
      idleMounts.set(disk, idle);
      idle.push(dir);
      return;
    } catch {
      mountSizes.delete(dir);
    }
  }
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (stat.dev !== fs.statSync(path.dirname(dir)).dev) execFileSync('umount', ['--lazy', dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * At shutdown, once the pool's threads are gone: this process's folders, with
 * the tmpfs its threads kept for reuse (a thread ended by the pool runs no
 * exit hook of its own).
 */
export function removeOwnRunDirs(): void {
  let names: string[];
  try {
    names = fs.readdirSync(rootPath());
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(`out-${process.pid}-`) || name.startsWith(`in-${process.pid}-`)) removeRunDir(path.join(rootPath(), name));
}
