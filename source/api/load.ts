import { readFile } from 'node:fs/promises';
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


/** Read `<apiRoot>/api.yml`, or `apiRoot` itself when it names a .yml/.yaml file. */
export async function loadApiConfig(apiRoot: string, options: LoadOptions): Promise<ApiConfig> {
  const file = /\.ya?ml$/i.test(apiRoot) ? path.resolve(apiRoot) : path.resolve(apiRoot, 'api.yml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
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
