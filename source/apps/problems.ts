import path from 'node:path';
import type { App } from '../api/app.ts';

/** One thing that makes an app unusable, in words a user can act on. */
export interface AppProblem {
  app: App;
  /** What was checked: the start-up refusal names missing workdirs apart (E_API_WORKDIR). */
  kind: 'workdir' | 'runner' | 'program' | 'check';
  problem: string;
}

/**
 * One line per problem, `app (api.yml line N): problem`. `most` cuts a long
 * list short: an error message of every app of a huge api.yml is unreadable.
 */
export function formatProblems(problems: AppProblem[], most = Infinity): string {
  const shown = problems.slice(0, most).map(({ app, problem }) => `  ${app.key} (${path.basename(app.position.file)} line ${app.position.line}): ${problem}`);
  if (problems.length > most) shown.push(`  … and ${problems.length - most} more: \`broapt apps check\` lists them all`);
  return shown.join('\n');
}

/** The problems of each broken app, as the reason its files fail with under `--broken-apps skip`. */
export function reasonsOf(problems: AppProblem[]): Map<App, string> {
  const reasons = new Map<App, string>();
  for (const { app, problem } of problems) {
    const earlier = reasons.get(app);
    reasons.set(app, earlier === undefined ? `${app.key} is broken, skipped (--broken-apps skip): ${problem}` : `${earlier}; ${problem}`);
  }
  return reasons;
}

/** The summary's note of the apps a run skipped; empty when none. */
export function skippedAppsNote(problems: AppProblem[]): string {
  const apps = new Set(problems.map((p) => p.app)).size;
  if (apps === 0) return '';
  return `\n${apps} broken app${apps === 1 ? '' : 's'} skipped (--broken-apps skip); their files failed:\n${formatProblems(problems)}\n`;
}
