import fs from 'node:fs';

/**
 * A read descriptor of a regular file, never through a symbolic link;
 * undefined when it cannot be opened or is no regular file. O_NONBLOCK: a
 * FIFO swapped in for the file would otherwise block the open until a writer
 * comes, hanging the worker and any drain waiting on it.
 */
export function openNoFollow(file: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  if (fs.fstatSync(fd).isFile()) return fd;
  fs.closeSync(fd);
  return undefined;
}
