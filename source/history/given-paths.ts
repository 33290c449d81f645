import { realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * broapt records real paths (a dump folder that is a symlink is resolved),
 * while the reference recorded each path through the folder as it was given.
 * This maps a real path back to its given spellings, so a reference history
 * is asked both ways and no file it finished runs again.
 */
export class GivenPaths {
  /** Real folder → the other spellings it was given by. */
  readonly #roots = new Map<string, Set<string>>();

  /** Remember a folder as the user gave it (BROAPT_DUMP_PATH, a scan PATH), if it is not its real path. */
  async add(given: string): Promise<void> {
    const resolved = path.resolve(given);
    const real = await realpath(resolved).catch(() => resolved);
    if (real === resolved) return;
    const spellings = this.#roots.get(real) ?? new Set<string>();
    spellings.add(resolved);
    this.#roots.set(real, spellings);
  }

  /** The file's path through each given spelling of a folder it is in. */
  *of(file: string): Generator<string> {
    for (const [real, spellings] of this.#roots) {
      if (!file.startsWith(real + path.sep)) continue;
      for (const given of spellings) yield given + file.slice(real.length);
    }
  }
}
