import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BroaptError } from '../errors.ts';
import { LogWriteError, WHERE_TO_FIX } from './log-write-error.ts';

/** Less free space than a few files' records and API logs take: the run would stop at its first files. */
const MIN_FREE_BYTES = 64 << 10;

/**
 * Refuses a run whose log folder cannot take writes (read-only, full, not
 * ours), before any file is taken: every file would otherwise stop the run
 * at once, or worse, be counted against the file.
 */
export async function assertLogsWritable(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    // Creating a file needs what appending does: a writable folder and a free block.
    const probe = path.join(folder, `.broapt-write-check-${process.pid}`);
    await writeFile(probe, 'x');
    await rm(probe);
    const { bavail, bsize } = await statfs(folder);
    if (bavail * bsize < MIN_FREE_BYTES) throw Object.assign(new Error(`only ${bavail * bsize} bytes free`), { code: 'ENOSPC' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    const failure = new LogWriteError(folder, error);
    throw new BroaptError(failure.code, `${failure.message} ${WHERE_TO_FIX}`, { cause: error });
  }
}
