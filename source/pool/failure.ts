import type { CommandResult } from '../runner/result.ts';

/** Why a command failed for good, in words a user can act on, with the log to read. */
export function describeFailure(app: string, result: CommandResult): string {
  const what = `${app} ${result.phase}.${result.index} (${JSON.stringify(result.command)})`;
  const after = `after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}`;
  if (result.error !== undefined) return `${what} could not start: ${result.error}; see ${result.log}`;
  if (result.timedOut) return `${what} timed out ${after}; raise \`timeout\` in api.yml if it needs longer; see ${result.log}`;
  if (result.signal) return `${what} was killed by ${result.signal} ${after}; see ${result.log}`;
  return `${what} exited ${result.exitCode} ${after}; see ${result.log}`;
}
