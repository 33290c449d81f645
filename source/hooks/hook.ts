import { BroaptError } from '../errors.ts';

/** What every hook is given besides the log folder. */
export interface HookContext {
  /** Folder Zeek extracted files into (BROAPT_DUMP_PATH): where `extracted` names are found. */
  dumpPath: string;
}

/**
 * A post-processing hook, the reference BroAPT's HOOK/EXIT pair: `hook` runs on
 * the log folder of each processed PCAP, `exit` once when processing ends. Each
 * returns the paths it wrote, if any, so callers can say what it produced.
 */
export interface Hook {
  name: string;
  hook?(logDir: string, context: HookContext): Promise<string[] | void> | string[] | void;
  exit?(context: HookContext): Promise<string[] | void> | string[] | void;
}

/** A hook that threw, or a sites module that could not be loaded as a hook. */
export class HookError extends BroaptError {
  readonly hook: string;

  constructor(hook: string, where: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super('E_HOOK', `hook "${hook}" failed on ${where}: ${detail}; fix the hook or remove it from the sites folder`, { cause, exitCode: 1 });
    this.hook = hook;
  }
}

/** What one hook did on one folder (or at exit): the files it wrote, or why it failed. */
export interface HookOutcome {
  hook: string;
  phase: 'load' | 'hook' | 'exit';
  written: string[];
  error: HookError | undefined;
}

async function attempt(hook: string, phase: HookOutcome['phase'], where: string, call: () => Promise<string[] | void> | string[] | void): Promise<HookOutcome> {
  try {
    return { hook, phase, written: (await call()) ?? [], error: undefined };
  } catch (error) {
    return { hook, phase, written: [], error: new HookError(hook, where, error) };
  }
}

/** Runs every hook on one log folder, one after another; a failure is recorded and the next hook still runs. */
export async function runHooks(hooks: readonly Hook[], logDir: string, context: HookContext): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = [];
  for (const hook of hooks) {
    if (hook.hook !== undefined) outcomes.push(await attempt(hook.name, 'hook', logDir, () => hook.hook!(logDir, context)));
  }
  return outcomes;
}

/** Runs every exit hook once, isolated the same way. */
export async function runExitHooks(hooks: readonly Hook[], context: HookContext): Promise<HookOutcome[]> {
  const outcomes: HookOutcome[] = [];
  for (const hook of hooks) {
    if (hook.exit !== undefined) outcomes.push(await attempt(hook.name, 'exit', 'exit', () => hook.exit!(context)));
  }
  return outcomes;
}
