import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { openNoFollow } from './open.ts';

const CHUNK = 1 << 20;
/**
 * Reused for every file of the thread (hashing is synchronous, so never twice at
 * once): a fresh megabyte per file counts as external memory, which made V8 run
 * a full collection every few files.
 */
let chunk: Buffer | undefined;

/**
 * sha256 of a file, for records whose apps reported none. Synchronous on
 * purpose: it runs on a pool worker's own thread, where the async version
 * would queue on libuv's small thread pool that every worker shares.
 */
export function sha256File(file: string): string | undefined {
  const fd = openNoFollow(file);
  if (fd === undefined) return undefined;
  try {
    const hash = createHash('sha256');
    const buffer = (chunk ??= Buffer.allocUnsafeSlow(CHUNK));
    for (let n; (n = fs.readSync(fd, buffer, 0, CHUNK, null)) > 0; ) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
