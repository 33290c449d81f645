import { lstatSync, type Dirent } from 'node:fs';
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

/** Entries read from a folder per trip to libuv's thread pool. */
const DIR_BATCH = 256;

/**
 * Every regular file under the given paths, in sorted order, one folder read
 * at a time: a caller that keeps none of them holds one folder's names at
 * most, never the whole tree's paths. Below the given paths, symbolic links are
 * never followed (a link in the dump folder could point anywhere on the host)
 * and FIFOs, sockets and devices are never opened (reading a FIFO would hang):
 * both go to `onSkip`. Paths under `exclude` (our own log folders, when they
 * sit inside the dump folder) are left out silently. A root given twice, or
 * inside another, is walked once.
 */
export async function* walkFiles(roots: string[], exclude: string[] = [], onSkip: (path: string, reason: SkipReason) => void = () => {}): AsyncGenerator<string> {
  const excluded = (p: string) => exclude.some((dir) => p === dir || p.startsWith(dir + path.sep));
  async function* walk(dir: string): AsyncGenerator<string> {
    // A folder's entries are read a batch at a time and only its keys kept: readdir() returns
    // every entry at once, a Dirent and a Buffer each, after libuv's scandir has malloc'ed all
    // of them in a pool thread. For a dump folder of 10,000 files that burst stayed in the
    // process as freed memory, and the folders grow with the dump.
    const keys: string[] = [];
    try {
      // Raw names: a name that is not UTF-8 would decode to another one (U+FFFD), naming no file.
      // @types/node leaves 'buffer' out of opendir's encodings; Node takes it, as readdir's.
      const entries = (await fs.opendir(dir, { encoding: 'buffer' as BufferEncoding, bufferSize: DIR_BATCH })) as unknown as AsyncIterable<Dirent<Buffer>>;
      for await (const dirent of entries) {
        if (!isUtf8(dirent.name)) {
          const alias = dirent.isFile() ? await utf8Alias(dir, dirent.name) : undefined;
          if (alias !== undefined) keys.push(path.basename(alias));
          else onSkip(path.join(dir, dirent.name.toString()), 'name not UTF-8, and no alias could be made');
          continue;
        }
        const name = dirent.name.toString();
        if (excluded(path.join(dir, name))) continue;
        // A folder's key is its name and a separator, which no file name ends in: a sort of the
        // keys is then a sort of the full paths, and puts a folder's files just where it sorts.
        if (dirent.isDirectory()) keys.push(name + path.sep);
        else if (dirent.isFile()) keys.push(name);
        else onSkip(path.join(dir, name), dirent.isSymbolicLink() ? 'symlink' : 'not a regular file');
      }
    } catch {
      onSkip(dir, 'missing');
      return;
    }
    keys.sort();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      // An alias made on an earlier run is listed under its own name as well.
      if (i > 0 && keys[i - 1] === key) continue;
      if (key.endsWith(path.sep)) yield* walk(path.join(dir, key));
      else yield path.join(dir, key);
    }
  }
  // The roots are the user's own choice, so a dump folder that is a link (to a mount, say) is
  // followed, to its real path; nothing below a root ever is.
  const reals = await Promise.all(roots.map((root) => fs.realpath(path.resolve(root)).catch(() => path.resolve(root))));
  for (const [i, full] of reals.entries()) {
    // Walked as part of another root already (or to be): unless that walk leaves it out.
    const within = (other: string, j: number) => (full.startsWith(other + path.sep) && !excluded(full)) || (full === other && j < i);
    if (reals.some((other, j) => j !== i && within(other, j))) continue;
    const kind = inspect(full);
    if (kind === 'directory') yield* walk(full);
    else if (kind === 'file') yield full;
    else onSkip(full, kind);
  }
}

/** Every regular file under the given paths, sorted, and what was skipped, as walkFiles finds them. */
export async function listFiles(roots: string[], exclude: string[] = []): Promise<Listing> {
  const listing: Listing = { files: [], skipped: [] };
  for await (const file of walkFiles(roots, exclude, (skipped, reason) => listing.skipped.push({ path: skipped, reason }))) listing.files.push(file);
  // Sorted already within each root; several roots may interleave.
  listing.files.sort();
  return listing;
}
