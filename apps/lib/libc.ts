/**
 * glibc's functions through koffi (its prebuilt binary comes from the npm
 * registry: nothing is compiled at install), for what Node has no API for:
 * posix_spawn, malloc_trim, Unix datagram sockets.
 */
import koffi from 'koffi';

type LibC = ReturnType<typeof koffi.load>;

let lib: LibC | null | undefined;

/** libc.so.6, or null where it cannot be had (musl, another platform, no koffi build): callers fall back. */
export function libc(): LibC | null {
  if (lib === undefined) {
    try {
      lib = koffi.load('libc.so.6');
    } catch {
      lib = null;
    }
  }
  return lib;
}

/** The errno name of a code (ENOENT), as Node prints them; `errno N` for one koffi does not name. */
export function errnoName(code: number): string {
  return Object.entries(koffi.os.errno).find(([, value]) => value === code)?.[0] ?? `errno ${code}`;
}

/** The calling thread's errno after a failed libc call, by name. */
export function lastErrno(): string {
  return errnoName(koffi.errno());
}
