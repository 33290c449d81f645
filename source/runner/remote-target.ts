import path from 'node:path';
import type { App } from '../api/app.ts';

/** Where a `remote: true` app's files go, decided on the main thread and sent to the worker with the task. */
export interface RemoteTarget {
  /** `http://host:port` of the daemon. */
  url: string;
  token?: string;
  /** The file relative to the dump folder, which the daemon shares (the reference's `name`). */
  name: string;
}

/**
 * The daemon of a remote app, from the app's environment (api.yml `environment`
 * and `environ`) over the process's: `BROAPT_NAME_HOST` and `BROAPT_NAME_PORT`,
 * else the reference's `SERVER_NAME_HOST` and `SERVER_NAME_PORT` (default
 * localhost:5000), and `BROAPT_DAEMON_TOKEN`.
 * A string is the reason the file cannot go there.
 */
export function remoteTarget(app: App, file: string, dumpPath: string, env: NodeJS.ProcessEnv = process.env): RemoteTarget | string {
  const read = (name: string) => (app.environ[name] ?? env[name] ?? '').trim() || undefined;
  const host = read('BROAPT_NAME_HOST') ?? read('SERVER_NAME_HOST') ?? 'localhost';
  const portName = read('BROAPT_NAME_PORT') === undefined && read('SERVER_NAME_PORT') !== undefined ? 'SERVER_NAME_PORT' : 'BROAPT_NAME_PORT';
  const portText = read(portName) ?? '5000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `${app.key} is remote, and ${portName}=${JSON.stringify(portText)} is not a port: set it to the daemon's port (1-65535)`;
  const name = path.relative(path.resolve(dumpPath), file);
  if (name === '' || name.startsWith(`..${path.sep}`) || name === '..' || path.isAbsolute(name)) {
    return `${app.key} is remote, and the daemon only reads files in the dump folder it shares (${dumpPath}); this file is outside it`;
  }
  const token = read('BROAPT_DAEMON_TOKEN');
  return { url: `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`, name, ...(token === undefined ? {} : { token }) };
}
