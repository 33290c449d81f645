import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** `explicit` when given (a BROAPT_* path), else the first `name` on PATH that is an executable file. */
export function findExecutable(name: string, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = explicit ? [explicit] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  });
}
