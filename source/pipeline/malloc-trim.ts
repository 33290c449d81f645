import { libc } from '../../apps/lib/libc.ts';

/** A burst of freed memory goes back within seconds, and a trim (a walk of malloc's free lists) stays rare next to the work per file. */
const TRIM_MS = 2000;

/**
 * Hands memory that malloc holds free back to the system every two seconds
 * until the returned stop function is called. glibc gives each thread that
 * allocates (the pool worker, libuv's and V8's helper threads) an arena of its
 * own, and gives back free memory from the middle of an arena only on
 * malloc_trim(): at the end of a 100,000-file scan the arenas and the main
 * heap held 26 MB, 19 MB when trimmed. MALLOC_ARENA_MAX does as well, but only
 * from the environment before Node starts, which would take a second Node
 * process; mallopt() once running is too late, the arenas exist by then.
 */
export function trimMallocPeriodically(): () => void {
  const lib = libc();
  if (lib === null) return () => {};
  const trimNow = lib.func('int malloc_trim(size_t pad)') as (pad: number) => number;
  const timer = setInterval(() => trimNow(0), TRIM_MS);
  timer.unref();
  return () => clearInterval(timer);
}
