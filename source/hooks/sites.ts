import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.ts';
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
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `the sites folder ${dir} (--sites or BROAPT_SITES) ${error.code === 'ENOTDIR' ? 'is not a folder' : 'cannot be read'}: ${error.code}. Point it at a folder of hook modules (docs/hooks.md), or unset it.`,
      'E_SITES',
    );
  });
  const names = entries.filter((e) => e.isFile() && MODULE.test(e.name)).map((e) => e.name).sort();
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
