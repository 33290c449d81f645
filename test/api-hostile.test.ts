import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApiConfig, parseApiConfig, type LoadOptions } from '../source/api/load.ts';
import { ConfigError } from '../source/errors.ts';

const FILE = '/srv/api/api.yml';
const OPTIONS: LoadOptions = { defaultTimeoutMs: 300_000, env: {} };
const yml = (...lines: string[]) => `${lines.join('\n')}\n`;
const EXAMPLE = ['example:', '  report: r'];

function failure(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('api.yml was accepted');
}

const parseFailure = (text: string) => failure(() => parseApiConfig(text, FILE, OPTIONS));

/** `depth` apps, each merging the one before it three times over: 3^depth entries once expanded. */
function mergeBomb(depth: number): string {
  const lines = [...EXAMPLE, 'x-bomb:', '  a0: &a0 {report: r, workdir: w}'];
  for (let i = 1; i <= depth; i++) lines.push(`  a${i}: &a${i}`, `    <<: [*a${i - 1}, *a${i - 1}, *a${i - 1}]`);
  return yml(...lines);
}

describe('api.yml that would only fail at run time fails at load, with file:line', () => {
  const cases: [string, string, string, number, string, string][] = [
    ['a space in an environment name', yml('environment:', '  "MY VAR": 1', ...EXAMPLE), 'E_API_BAD_ENV_NAME', 2, 'environment.MY VAR', 'letters, digits and _'],
    ['a space in an environ name', yml(...EXAMPLE, '  environ:', '    "A B": x'), 'E_API_BAD_ENV_NAME', 4, 'example.environ.A B', 'letters, digits and _'],
    ['a name starting with a digit', yml(...EXAMPLE, '  environ:', '    1A: x'), 'E_API_BAD_ENV_NAME', 4, 'example.environ.1A', 'cannot be an environment variable name'],
    ['NUL in an environ value', yml(...EXAMPLE, '  environ:', '    A: "x\\0y"'), 'E_API_NUL', 4, 'example.environ.A', 'NUL'],
    ['NUL in a command', yml('example:', '  report: "r\\0 --flag"'), 'E_API_NUL', 2, 'example.report', 'NUL'],
    ['NUL in a workdir', yml(...EXAMPLE, '  workdir: "w\\0"'), 'E_API_NUL', 3, 'example.workdir', 'NUL'],
    ['a !!js/function tag', yml('example:', "  report: !!js/function 'function () { return 1 }'"), 'E_API_TAG', 2, 'example.report', '!!js/function'],
    ['a local tag', yml(...EXAMPLE, '  environ: !env {A: b}'), 'E_API_TAG', 3, 'example.environ', '!env'],
  ];

  it.each(cases)('%s → %s', (_name, text, code, line, keyPath, detail) => {
    const error = parseFailure(text);
    expect(error.code).toBe(code);
    expect(error.position).toMatchObject({ file: FILE, line });
    expect(error.keyPath).toBe(keyPath);
    expect(error.message).toContain(detail);
    expect(error.message).toMatch(new RegExp(`^${FILE}:${line}:\\d+: `));
  });

  it('still takes tags YAML itself defines', () => {
    const config = parseApiConfig(yml('example:', '  report: !!str r', '  timeout: !!int 5'), FILE, OPTIONS);
    expect(config.example.report).toBe('r');
    expect(config.example.timeoutMs).toBe(5000);
  });
});

describe('api.yml size and alias expansion are bounded', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-api-hostile-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('refuses chained merge keys that expand past the bound, pointing at the merge', () => {
    // 3^12 (half a million) merged entries: a scaled-down depth 20 (3.5 billion).
    const error = parseFailure(mergeBomb(12));
    expect(error.code).toBe('E_API_MERGE_TOO_LARGE');
    expect(error.message).toContain('<<');
    expect(error.position?.line).toBeGreaterThan(3);
  });

  it('takes merge keys of an ordinary size', () => {
    const config = parseApiConfig(mergeBomb(4), FILE, OPTIONS);
    expect(config.apps).toHaveLength(5);
    expect(config.apps.at(-1)?.workdir).toBe('w');
  });

  it('refuses an api.yml over the size bound in one line, before parsing it', async () => {
    const file = path.join(dir, 'api.yml');
    // 40,000 apps (1.8 MB), a scaled-down 13.7 MB file: each with a workdir that does not exist.
    const app = (i: number) => `  s${i}: {report: r, workdir: /nonexistent/${i}}\n`;
    await writeFile(file, `${yml(...EXAMPLE, 'x-big:')}${Array.from({ length: 40_000 }, (_, i) => app(i)).join('')}`);
    const error = await loadApiConfig(dir, OPTIONS).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('E_API_TOO_LARGE');
    expect((error as ConfigError).message.split('\n')).toHaveLength(1);
    expect((error as ConfigError).message).toContain(file);
  });
});
