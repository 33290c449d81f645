/**
 * The folders isolated commands write in, and how what they wrote comes back
 * to the host without following a link they made.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alive } from './container.ts';

/** A regular file, never a link to one: what an app leaves behind may point at a host secret. */
export function isFile(file: string): boolean {
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
      if (!(owner > 0) || alive(owner)) continue;
      try {
        fs.rmSync(path.join(root, name), { recursive: true, force: true });
      } catch {
        // A mount a dead run left on it (EBUSY) must not stop this one: the folder waits for a later cleanup.
      }
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
export function takeTree(from: string, to: string): void {
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
