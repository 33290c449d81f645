import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { RequestError } from './scan-request.ts';

/**
 * The absolute path of a requested file, which must be a regular file inside
 * the dump folder: absolute names and `..` are refused as written, and the
 * resolved path is checked too, so a symlinked folder cannot lead out. The
 * file itself must not be a symbolic link (files under analysis may be hostile).
 */
export async function resolveDumpFile(root: string, name: string): Promise<string> {
  if (path.isAbsolute(name) || name.split(/[\\/]/).includes('..')) {
    throw new RequestError(400, 'E_BAD_PATH', '`name` must be relative to the dump folder, without `..`: send the path under the dump folder, e.g. "HTTP-F1.pdf" or "2026-11-23/HTTP-F1.pdf"');
  }
  const realRoot = await realpath(root);
  const file = path.resolve(realRoot, name);
  const stat = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') throw new RequestError(404, 'E_NO_FILE', `no file ${JSON.stringify(name)} in the dump folder`);
    throw error;
  });
  if (stat.isSymbolicLink()) throw new RequestError(403, 'E_SYMLINK', `${JSON.stringify(name)} is a symbolic link: only regular files in the dump folder are analysed`);
  const real = await realpath(file);
  const relative = path.relative(realRoot, real);
  if (relative === '' || relative.startsWith(`..${path.sep}`) || relative === '..' || path.isAbsolute(relative)) {
    throw new RequestError(403, 'E_OUTSIDE_DUMP', `${JSON.stringify(name)} leads out of the dump folder through a symbolic link: only files inside it are analysed`);
  }
  if (!stat.isFile()) throw new RequestError(400, 'E_NOT_A_FILE', `${JSON.stringify(name)} is not a regular file`);
  return real;
}
