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

/** broapt's own folder under the temporary folder: nobody else may traverse it. */
export function runsFolder(): string {
  if (runsRoot === undefined) {
    const root = path.join(os.tmpdir(), `broapt-runs-${process.getuid?.() ?? 'user'}`);
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
    const stat = fs.lstatSync(root);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.()) throw new Error(`${root} is not a folder of this user: remove it, it may be a trap`);
    fs.chmodSync(root, 0o700);
    // Folders of broapt processes that ended without removing them (a warm process's live as long as it does).
    for (const name of fs.readdirSync(root)) {
      const owner = Number(/^(?:out|in)-(\d+)-/.exec(name)?.[1]);
      if (owner > 0 && !alive(owner)) removeRunDir(path.join(root, name));
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
  const dir = fs.mkdtempSync(path.join(runsFolder(), `out-${process.pid}-`));
  const mode = owner === undefined ? 0o777 : 0o700;
  if (disk !== undefined && process.getuid?.() === 0) {
    const options = [`size=${disk}`, `mode=${mode.toString(8)}`, 'nosuid', 'nodev', ...(owner === undefined ? [] : [`uid=${owner}`, `gid=${owner}`])];
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', options.join(','), 'broapt-output', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      fs.rmdirSync(dir);
      const reason = String((error as { stderr?: Buffer }).stderr ?? (error as Error).message).trim();
      throw new Error(`cannot mount a ${disk}-byte tmpfs on the output folder ${dir} (${reason}): isolated runners need root with CAP_SYS_ADMIN to cap an app's disk use (limits.disk)`);
    }
  } else {
    giveTo(dir, owner);
  }
  return dir;
}

/** A folder inside an output folder, for `owner` as the output folder is. */
export function makeOwnedDir(dir: string, owner: number | undefined): void {
  fs.mkdirSync(dir);
  giveTo(dir, owner);
}

function giveTo(dir: string, owner: number | undefined): void {
  if (owner !== undefined && owner !== process.getuid?.()) fs.chownSync(dir, owner, owner);
  fs.chmodSync(dir, owner === undefined ? 0o777 : 0o700);
}

/** A fresh folder for copies of analysed files, readable by the apps they are shown to (the folder above keeps others out). */
export function makeInputDir(): string {
  const dir = fs.mkdtempSync(path.join(runsFolder(), `in-${process.pid}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Remove a folder made above, unmounting its tmpfs first (lazily: a process of a killed app may still hold it). */
export function removeRunDir(dir: string): void {
  const stat = fs.statSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (stat.dev !== fs.statSync(path.dirname(dir)).dev) execFileSync('umount', ['--lazy', dir], { stdio: 'ignore' });
  fs.rmSync(dir, { recursive: true, force: true });
}
