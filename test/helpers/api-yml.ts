import type { ApiConfig } from '../../source/api/app.ts';
import { parseApiConfig, type LoadOptions } from '../../source/api/load.ts';
import { ConfigError } from '../../source/errors.ts';

/** What the api.yml tests parse with: a fixed root, and an environment they control. */
export const ROOT = '/srv/api';
export const FILE = `${ROOT}/api.yml`;
export const OPTIONS: LoadOptions = { defaultTimeoutMs: 300_000, env: { HOME: '/home/zeek', PATH: '/usr/bin' } };

/** api.yml text from lines, so that line numbers in expectations are easy to count. */
export const yml = (...lines: string[]) => `${lines.join('\n')}\n`;
export const EXAMPLE = ['example:', '  report: r'];
export const parse = (text: string) => parseApiConfig(text, FILE, OPTIONS);

export function failure(text: string): ConfigError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('api.yml was accepted');
}

export function app(config: ApiConfig, key: string) {
  const found = key === 'example' ? config.example : config.apps.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no app ${key} among ${config.apps.map((candidate) => candidate.key).join(', ')}`);
  return found;
}
