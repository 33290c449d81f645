import { BroaptError } from '../errors.ts';

/** What an errno of a failed write means for the folder, in words. */
function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'its disk is full (no space left)';
  if (code === 'EROFS') return 'its file system is read-only';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

export const WHERE_TO_FIX = 'Free space there or make it writable, or choose other folders with --logs-path (BROAPT_LOGS_PATH) and --api-logs (BROAPT_API_LOGS).';

/**
 * broapt could not write one of its own logs (history, records, an API log).
 * That is never a failure of the file being analysed: the run stops taking
 * files, and the ones not recorded are left for the next run.
 */
export class LogWriteError extends BroaptError {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super('E_LOGS_WRITE', `cannot write ${file}: ${why(cause)}.`, { cause });
    this.file = file;
  }
}

/** The end of a run that could not write its logs: what happened, what is left, what to do. */
export function logsFailedError(failure: LogWriteError, left: number): BroaptError {
  const files = left === 1 ? '1 file was not recorded and is' : `${left} files were not recorded and are`;
  return new BroaptError('E_LOGS_WRITE', `${failure.message} Stopped taking files; ${files} left for the next run. ${WHERE_TO_FIX}`, { cause: failure });
}
