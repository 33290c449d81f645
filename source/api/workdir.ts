import fs from 'node:fs';
import path from 'node:path';
import type { ApiConfig, App } from './app.ts';

/**
 * Absolute working directory of `app`. A relative `workdir` resolves below the
 * app's folder: `<root>/example/` for the default, `<root>/<media>/<subtype>/`
 * (lower-case, as the reference did) for an exact key, and
 * `<root>/<media>/<pattern as written>/` for a glob, so that every MIME type a
 * glob matches shares one folder. The reference ran a glob app in the matched
 * type's own `<root>/<media>/<subtype>/` instead: given the `subtype` of the
 * file, a glob app whose pattern folder does not exist runs there when that
 * one does, so a reference layout works without edits.
 */
export function resolveWorkdir(config: ApiConfig, app: App, subtype?: string): string {
  if (path.isAbsolute(app.workdir)) return path.resolve(app.workdir);
  const own = path.resolve(config.root, appFolder(app), app.workdir);
  if (!app.isGlob || subtype === undefined || !isFolderName(subtype) || isFolder(own)) return own;
  const reference = path.resolve(config.root, app.mediaType, subtype.toLowerCase(), app.workdir);
  return isFolder(reference) ? reference : own;
}

/** `<media>/<subtype or pattern>` below API_ROOT, or `example`. */
function appFolder(app: App): string {
  return app.mediaType === 'example' ? 'example' : path.join(app.mediaType, app.isGlob ? app.pattern : app.pattern.toLowerCase());
}

/** The subtype comes from the file's name: it may pick a folder below `<media>/`, never climb out of it. */
function isFolderName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\0]/.test(name);
}

export function isFolder(dir: string): boolean {
  return fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
