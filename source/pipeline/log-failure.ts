import { closeSync, openSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { LogWriteError } from '../history/log-write-error.ts';
import type { CommandResult } from '../runner/result.ts';

/**
 * Throws LogWriteError when a command's API log could not be written. The
 * runner only knows that the shell could not write it, so the reason
 * (read-only, disk full) the error should give is found out here.
 */
export function assertLogsWritten(commands: readonly CommandResult[]): void {
  const failed = commands.find((command) => command.logUnwritable);
  if (failed === undefined) return;
  throw new LogWriteError(failed.log, reasonOf(failed));
}

function reasonOf(failed: CommandResult): unknown {
  try {
    closeSync(openSync(failed.log, 'a'));
    // Opening works on a full disk (no block is needed): what fails is the write.
    if (statfsSync(path.dirname(failed.log)).bavail === 0) return Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
  } catch (error) {
    return error;
  }
  return new Error(failed.error ?? 'the log could not be written');
}
