/** Signals that ask for a graceful stop: SIGUSR1 as in the reference, and the usual two. */
export const STOP_SIGNALS = ['SIGUSR1', 'SIGTERM', 'SIGINT'] as const;

/**
 * Calls `drain` on the first stop signal. A second signal while draining exits
 * at once: nothing is lost by it, because history lines are written as each
 * file finishes, and unfinished files are simply taken again next run.
 */
export function onStopSignal(drain: (signal: NodeJS.Signals) => void, forceExit: (signal: NodeJS.Signals) => void): () => void {
  let draining = false;
  const handler = (signal: NodeJS.Signals) => {
    if (draining) return forceExit(signal);
    draining = true;
    drain(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, handler);
  };
}
