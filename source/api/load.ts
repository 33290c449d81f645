import { open } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { Mount } from '../runner/plan.ts';
import type { ApiConfig, App } from './app.ts';
import { expandVars } from './expand.ts';
import { ApiReader } from './validate.ts';

export interface LoadOptions {
  /** Per-command timeout of apps whose api.yml entry sets none. */
  defaultTimeoutMs: number;
  /** Variables `$VAR` expands from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** Largest api.yml read: hundreds of apps fit in a fraction of it. */
export const MAX_API_BYTES = 2 ** 20;

/** Read `<apiRoot>/api.yml`, or `apiRoot` itself when it names a .yml/.yaml file. */
export async function loadApiConfig(apiRoot: string, options: LoadOptions): Promise<ApiConfig> {
  const file = /\.ya?ml$/i.test(apiRoot) ? path.resolve(apiRoot) : path.resolve(apiRoot, 'api.yml');
  let text: string;
  try {
    text = await readBounded(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const start = { file, line: 1, column: 1 };
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigError(
        'E_API_MISSING_FILE',
        'no such file: create api.yml (it needs at least an `example` app), or point --api-root / BROAPT_API_ROOT at the folder that holds it',
        '',
        start,
      );
    }
    throw new ConfigError('E_API_UNREADABLE', `cannot read the file (${code ?? String(error)}): check that it is a readable file`, '', start);
  }
  return parseApiConfig(text, file, options);
}

/** The file's text, refused past MAX_API_BYTES before it is read: parsing a huge one takes gigabytes. */
async function readBounded(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    // One byte more than allowed tells a file at the bound from one past it, whatever stat says (a FIFO has no size).
    const buffer = Buffer.alloc(MAX_API_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) ({ bytesRead: read } = await handle.read(buffer, length, buffer.length - length));
    if (length > MAX_API_BYTES) {
      throw new ConfigError('E_API_TOO_LARGE', `the file is over ${MAX_API_BYTES / 2 ** 20} MiB, more than any api.yml needs (BroAPT's own is 10 KB): point --api-root / BROAPT_API_ROOT at the right file, or share settings through anchors`, '', { file, line: 1, column: 1 });
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** Parse and validate api.yml text; every problem is a ConfigError pointing at its line and key. */
export function parseApiConfig(text: string, file: string, options: LoadOptions): ApiConfig {
  const absolute = path.resolve(file);
  const root = path.dirname(absolute);
  const lines = new LineCounter();
  // YAML 1.1 with merge keys and duplicate keys allowed: what the reference's PyYAML read.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false, merge: true, version: '1.1' });
  const raw = new ApiReader(doc, lines, absolute, options.defaultTimeoutMs).read();

  // Null prototypes: a variable named `__proto__` must be stored, not set the prototype.
  const base: Record<string, string | undefined> = Object.assign(Object.create(null), options.env ?? process.env, {
    // The folder actually loaded, even when --api-root overrode the variable.
    BROAPT_API_ROOT: root,
    // The Node running broapt (24, with type stripping): the shipped TypeScript apps run on it.
    BROAPT_NODE: process.execPath,
  });
  const environment = raw.environment.map(([name, value]): [string, string] => [name, expandVars(value, base)]);
  const withEnvironment: Record<string, string | undefined> = Object.assign(Object.create(null), base, Object.fromEntries(environment));
  const finish = (app: App): App => {
    const scope: Record<string, string | undefined> = Object.assign(Object.create(null), withEnvironment);
    const environ = [...environment];
    for (const [name, value] of Object.entries(app.environ)) {
      const expanded = expandVars(value, scope);
      scope[name] = expanded;
      environ.push([name, expanded]);
    }
    // Mount sources and the build folder are paths like workdir, but relative ones resolve against API_ROOT: they are not per-app folders.
    const mount = (m: Mount): Mount => {
      const source = path.resolve(root, expandVars(m.source, scope));
      return { ...m, source, target: m.target === '' ? source : m.target };
    };
    return {
      ...app,
      environ: Object.fromEntries(environ),
      workdir: expandVars(app.workdir, scope),
      ...(app.build === undefined ? {} : { build: path.resolve(root, expandVars(app.build, scope)) }),
      mounts: app.mounts.map(mount),
      container: { ...app.container, mounts: app.container.mounts.map(mount) },
    };
  };
  return {
    file: absolute,
    root,
    environment: Object.fromEntries(environment),
    example: finish(raw.example),
    apps: raw.apps.map(finish),
  };
}
