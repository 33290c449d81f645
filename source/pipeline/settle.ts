import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Waits until a file has stopped growing: untouched for `settleMs`. Zeek writes
 * extracted files as the stream arrives, so a file seen the moment it appears is
 * usually incomplete. One stat suffices for files that are already old.
 * Resolves with false when the file vanished meanwhile, or when it is no longer
 * wanted (intake stopped).
 */
export async function whenSettled(file: string, settleMs: number, wanted: () => boolean = () => true): Promise<boolean> {
  if (settleMs <= 0) return true;
  for (;;) {
    // A stop must not wait on a file that is still being written.
    if (!wanted()) return false;
    let stat;
    try {
      stat = await fs.lstat(file);
    } catch {
      return false;
    }
    const age = Date.now() - Math.max(stat.mtimeMs, stat.ctimeMs);
    if (age >= settleMs) return true;
    await sleep(Math.max(10, settleMs - age));
  }
}
