import fs from 'node:fs';

/** A read descriptor of the file, never through a symbolic link; undefined when it cannot be opened. */
export function openNoFollow(file: string): number | undefined {
  try {
    return fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
}
