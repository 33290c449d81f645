import { lstatSync } from 'node:fs';
import fs from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import { utf8Alias } from './utf8-alias.ts';

/** Why a path is not taken. */
export type SkipReason = 'symlink' | 'not a regular file' | 'missing' | 'name not UTF-8, and no alias could be made';

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
      // Raw names: a name that is not UTF-8 would decode to another one (U+FFFD), naming no file.
      dirents = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch {
      listing.skipped.push({ path: dir, reason: 'missing' });
      return;
    }
    for (const dirent of dirents) {
      if (!isUtf8(dirent.name)) {
        const alias = dirent.isFile() ? await utf8Alias(dir, dirent.name) : undefined;
        if (alias !== undefined) listing.files.push(alias);
        else listing.skipped.push({ path: path.join(dir, dirent.name.toString()), reason: 'name not UTF-8, and no alias could be made' });
        continue;
      }
      const full = path.join(dir, dirent.name.toString());
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
  // An alias is listed under its own name as well.
  listing.files = listing.files.filter((file, i, files) => i === 0 || files[i - 1] !== file);
  return listing;
}
