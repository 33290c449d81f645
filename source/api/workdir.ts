import fs from 'node:fs/promises';
import path from 'node:path';
import type { ApiConfig, App } from './app.ts';

/**
 * Absolute working directory of `app`. A relative `workdir` resolves below the
 * app's folder: `<root>/example/` for the default, `<root>/<media>/<subtype>/`
 * (lower-case, as the reference did) for an exact key, and
 * `<root>/<media>/<pattern as written>/` for a glob, so that every MIME type a
 * glob matches shares one folder. It depends on the app alone, so it can be
 * checked once at start-up.
 */
export function resolveWorkdir(config: ApiConfig, app: App): string {
  if (path.isAbsolute(app.workdir)) return path.resolve(app.workdir);
  const folder =
    app.mediaType === 'example' ? 'example' : path.join(app.mediaType, app.isGlob ? app.pattern : app.pattern.toLowerCase());
  return path.resolve(config.root, folder, app.workdir);
}

/** Apps whose working directory does not exist: their commands could not start, so refuse the config up front. */
export async function missingWorkdirs(config: ApiConfig): Promise<Array<{ app: App; workdir: string }>> {
  const checks = await Promise.all(
    [config.example, ...config.apps].map(async (app) => {
      const workdir = resolveWorkdir(config, app);
      const stat = await fs.stat(workdir).catch(() => undefined);
      return stat?.isDirectory() ? undefined : { app, workdir };
    }),
  );
  return checks.filter((c) => c !== undefined);
}
