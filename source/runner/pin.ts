/**
 * A file pinned by its descriptor: what broapt checked is what an isolated app
 * gets. A path checked with lstat and handed on by name can be swapped for a
 * link (to a host secret) or a FIFO before bwrap, the engine or a copy opens
 * it, and all of those follow links.
 */
import fs from 'node:fs';
import { openNoFollow } from '../report/open.ts';

export interface Pinned {
  fd: number;
  stat: fs.Stats;
}

/** The regular file at `file`, opened without following a link or blocking on a FIFO; undefined for anything else. */
export function pin(file: string): Pinned | undefined {
  const fd = openNoFollow(file);
  return fd === undefined ? undefined : { fd, stat: fs.fstatSync(fd) };
}

export function unpin(pinned: Pinned | undefined): void {
  if (pinned !== undefined) fs.closeSync(pinned.fd);
}

/**
 * A path that opens the pinned file itself, whatever `file` names now: the
 * descriptor's /proc link resolves to the open file, not to a name.
 */
export function pinnedPath(pinned: Pinned): string {
  return `/proc/${process.pid}/fd/${pinned.fd}`;
}

/**
 * Put the pinned file at `to` (in a folder of broapt's own): a hard link when
 * the link made is the pinned file (the name may have been swapped since),
 * else a copy read through the descriptor.
 */
export function stagePinned(pinned: Pinned, file: string, to: string): void {
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(file, to);
    const linked = fs.lstatSync(to);
    if (linked.isFile() && linked.ino === pinned.stat.ino && linked.dev === pinned.stat.dev) return;
    fs.rmSync(to, { force: true });
  } catch {
    // Another file system (EXDEV) or gone: copy.
  }
  fs.copyFileSync(pinnedPath(pinned), to, fs.constants.COPYFILE_EXCL);
}

/** Copy the regular file at `from` to `to`, never through a link `from` may have become. */
export function copyRegular(from: string, to: string): boolean {
  const pinned = pin(from);
  if (pinned === undefined) return false;
  try {
    fs.rmSync(to, { force: true });
    fs.copyFileSync(pinnedPath(pinned), to, fs.constants.COPYFILE_EXCL);
    return true;
  } finally {
    unpin(pinned);
  }
}
