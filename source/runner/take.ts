/**
 * Taking what an isolated app left in its output folder: only regular files
 * and folders, never through a link the app made.
 */
import fs from 'node:fs';
import path from 'node:path';
import { copyRegular } from './pin.ts';

function isFile(file: string): boolean {
  return fs.lstatSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * Move what the app unpacked to `$BROAPT_CHILDREN` where the caller looks for
 * it (children are named relative to that folder): folders and regular files
 * only, never a link the app made.
 */
export function takeTree(from: string, to: string): void {
  // A link the app put in place of the folder would make broapt move host files (as root) out of where it points.
  if (!(fs.lstatSync(from, { throwIfNoEntry: false })?.isDirectory() ?? false)) return;
  const entries = fs.readdirSync(from, { withFileTypes: true });
  if (entries.length === 0) return;
  fs.mkdirSync(to, { recursive: true });
  for (const entry of entries) {
    if (entry.isDirectory()) takeTree(path.join(from, entry.name), path.join(to, entry.name));
    else if (entry.isFile()) takeReport(path.join(from, entry.name), path.join(to, entry.name));
  }
}

/**
 * Move the app's report to where the caller reads it; only a regular file
 * counts (a link could point at a host secret). The output folder is a tmpfs
 * of its own when broapt is root, so this is mostly a copy, through a
 * descriptor: a warm app still runs, and could swap the file for a link.
 */
export function takeReport(from: string, to: string): void {
  if (!isFile(from)) return;
  try {
    fs.renameSync(from, to);
  } catch {
    copyRegular(from, to);
  }
}
