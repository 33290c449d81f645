import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HookError, type Hook, type HookOutcome } from './hook.ts';

const MODULE = /\.(ts|js|mjs)$/;

function asHook(value: unknown): Hook {
  const hook = value as Partial<Hook> | null;
  if (typeof hook !== 'object' || hook === null || typeof hook.name !== 'string' || hook.name === '') {
    throw new Error('the module must default-export { name, hook?(logDir, context), exit?(context) } with a non-empty name');
  }
  for (const key of ['hook', 'exit'] as const) {
    if (hook[key] !== undefined && typeof hook[key] !== 'function') throw new Error(`"${key}" must be a function`);
  }
  return hook as Hook;
}

/**
 * The user hooks of a sites folder (BROAPT_SITES): every .ts/.js/.mjs module in
 * it, in name order. A module that fails to load is reported, and the others
 * still load, as a failing hook never stops the rest.
 */
export async function loadSites(dir: string): Promise<{ hooks: Hook[]; failures: HookOutcome[] }> {
  const hooks: Hook[] = [];
  const failures: HookOutcome[] = [];
  const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && MODULE.test(e.name)).map((e) => e.name).sort();
  for (const name of names) {
    const file = path.resolve(dir, name);
    try {
      hooks.push(asHook(((await import(pathToFileURL(file).href)) as { default?: unknown }).default));
    } catch (error) {
      failures.push({ hook: name, phase: 'load', written: [], error: new HookError(name, file, error) });
    }
  }
  return { hooks, failures };
}
