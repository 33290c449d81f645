import { isAscii } from 'node:buffer';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Big reads keep a million-line load to a few dozen system calls; a longer line grows the buffer. */
const READ_CHUNK = 4 << 20;
/** Most lines are one path: one small read finds its end. */
const LINE_READ = 512;
const NEWLINE = 0x0a;

/**
 * Calls `onLine` with every non-empty line of the first `end` bytes that ends in
 * "\n", and the file offset where it starts. Each line is decoded straight from
 * the read buffer into a string of its own (never a slice of a bigger one), so
 * a caller that keeps none keeps no read buffer alive. Resolves to whether those
 * bytes end in a torn line.
 */
export async function readLines(handle: FileHandle, end: number, onLine: (line: string, offset: number) => void): Promise<boolean> {
  let buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, Math.max(end, 1)));
  /** File offset of buffer[0]. */
  let base = 0;
  let kept = 0;
  while (base + kept < end) {
    if (kept === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, kept);
      buffer = bigger;
    }
    const { bytesRead } = await handle.read(buffer, kept, Math.min(buffer.length - kept, end - base - kept), base + kept);
    // The file shrank under us: what is left counts as torn.
    if (bytesRead === 0) break;
    const filled = buffer.subarray(0, kept + bytesRead);
    // Paths are nearly always ASCII, which latin1 decodes faster to the same one-byte strings.
    const encoding = isAscii(filled) ? 'latin1' : 'utf8';
    let start = 0;
    for (let stop = filled.indexOf(NEWLINE); stop !== -1; stop = filled.indexOf(NEWLINE, start)) {
      if (stop > start) onLine(filled.toString(encoding, start, stop), base + start);
      start = stop + 1;
    }
    kept = filled.copy(buffer, 0, start);
    base += start;
  }
  return kept > 0;
}

let scratch = Buffer.allocUnsafe(LINE_READ);

/**
 * The line that starts at `offset` of the file open as `fd`, decoded as
 * readLines decodes it (UTF-8, which ASCII-only text decodes to alike), without
 * its "\n"; undefined when no whole line starts there.
 */
export function lineAt(fd: number, offset: number): string | undefined {
  let length = 0;
  for (;;) {
    if (length === scratch.length) {
      const bigger = Buffer.allocUnsafe(scratch.length * 2);
      scratch.copy(bigger, 0, 0, length);
      scratch = bigger;
    }
    const bytesRead = readSync(fd, scratch, length, scratch.length - length, offset + length);
    if (bytesRead === 0) return undefined;
    const stop = scratch.subarray(0, length + bytesRead).indexOf(NEWLINE, length);
    if (stop !== -1) return scratch.toString('utf8', 0, stop);
    length += bytesRead;
  }
}
