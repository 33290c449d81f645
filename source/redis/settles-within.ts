/**
 * Whether `promise` settles within `ms`. The Redis client waits for a server
 * that has gone for as long as it takes (it rides out restarts), so a stop
 * waits a bounded time and leaves such waits behind.
 */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  return Promise.race([promise.then(() => true), late]).finally(() => clearTimeout(timer));
}
