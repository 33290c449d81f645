import { readFileSync } from 'node:fs';

/** The package's version, read when asked: `--version` of broapt and of its daemon. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
