import { lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Why a path is not taken. */
export type SkipReason = 'symlink' | 'not a regular file' | 'missing';

export interface Listing {
  files: string[];
  skipped: Array<{ path: string; reason: SkipReason }>;
}

/**
 * What kind of thing is at `file`, never following a symbolic link. Synchronous
 * on purpose: it runs for every file on the main thread, an lstat of a name just
 * listed is served from the kernel's cache, and the async form would cost a trip
 * through libuv's thread pool.
 */
export function inspect(file: string): 'file' | 'directory' | SkipReason {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return 'missing';
  }
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isDirectory()) return 'directory';
  return stat.isFile() ? 'file' : 'not a regular file';
}

/**
 * Every regular file under the given paths, sorted. Below the given paths,
 * symbolic links are never followed (a link in the dump folder could point anywhere on the host) and
 * FIFOs, sockets and devices are never opened (reading a FIFO would hang):
 * both are reported as skipped. Paths under `exclude` (our own log folders,
 * when they sit inside the dump folder) are left out silently.
 */
export async function listFiles(roots: string[], exclude: string[] = []): Promise<Listing> {
  const listing: Listing = { files: [], skipped: [] };
  const excluded = (p: string) => exclude.some((dir) => p === dir || p.startsWith(dir + path.sep));
  const walk = async (dir: string): Promise<void> => {
    let dirents;
    try {
      dirents = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      listing.skipped.push({ path: dir, reason: 'missing' });
      return;
    }
    for (const dirent of dirents) {
      const full = path.join(dir, dirent.name);
      if (excluded(full)) continue;
      if (dirent.isDirectory()) await walk(full);
      else if (dirent.isFile()) listing.files.push(full);
      else listing.skipped.push({ path: full, reason: dirent.isSymbolicLink() ? 'symlink' : 'not a regular file' });
    }
  };
  for (const root of roots) {
    // The roots are the user's own choice, so a dump folder that is a link (to a mount, say) is
    // followed, to its real path; nothing below a root ever is.
    const full = await fs.realpath(path.resolve(root)).catch(() => path.resolve(root));
    const kind = inspect(full);
    if (kind === 'directory') await walk(full);
    else if (kind === 'file') listing.files.push(full);
    else listing.skipped.push({ path: full, reason: kind });
  }
  listing.files.sort();
  return listing;
}
