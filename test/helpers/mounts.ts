import { execFileSync } from 'node:child_process';
import { statfsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Real small file systems for the tests of broapt's own logs under hostile
 * conditions (root only: mount(8)). Root ignores permission bits, so a
 * read-only folder has to be a read-only mount.
 */

export function mountTmpfs(dir: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
}

/** `dir` seen read-only at its own path, as a read-only volume of a deployment is. */
export function bindReadOnly(dir: string): void {
  execFileSync('mount', ['--bind', dir, dir]);
  execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
}

export function unmount(dir: string): void {
  execFileSync('umount', [dir]);
}

/** Free bytes an unprivileged writer may still use there. */
export function freeBytes(dir: string): number {
  const { bavail, bsize } = statfsSync(dir);
  return bavail * bsize;
}

/** Takes the free space of `dir`'s file system down to about `leave` bytes with one filler file; returns its path. */
export async function fillDisk(dir: string, leave = 0): Promise<string> {
  const filler = path.join(dir, 'filler');
  const handle = await fs.open(filler, 'a');
  try {
    const chunk = Buffer.alloc(64 << 10, 0x78);
    for (let free = freeBytes(dir); free > leave; free = freeBytes(dir)) {
      try {
        await handle.write(chunk, 0, Math.min(chunk.length, free - leave));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw error;
      }
    }
  } finally {
    await handle.close();
  }
  return filler;
}
