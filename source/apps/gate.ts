import type { ApiConfig, App } from '../api/app.ts';
import { ConfigError } from '../errors.ts';
import type { Runners } from '../runner/select.ts';
import type { BrokenAppsPolicy } from '../settings.ts';
import { checkApps } from './check.ts';
import { formatProblems, type AppProblem } from './problems.ts';

/** Problems listed in a start-up error before it says how many more there are. */
const LISTED = 20;

/**
 * The start-up gate of scan and watch, on the checks `broapt apps check`
 * runs. `refuse` (the default): a broken app stops the run, never silently
 * switching detection off. `skip`: the run goes on without the broken apps,
 * whose files fail with the problem, as the reference did; returned so that
 * the processor and the summary can say so.
 */
export async function gateApps(config: ApiConfig, runners: Runners, policy: BrokenAppsPolicy): Promise<AppProblem[]> {
  const problems = await checkApps(config, { runners });
  if (problems.length === 0 || policy === 'skip') return problems;
  const workdirs = problems.filter((p) => p.kind === 'workdir');
  const shown = workdirs.length > 0 ? workdirs : problems;
  const first = shown[0]!;
  const one = shown.length === 1;
  const fix = `Fix ${one ? 'it' : 'them'} and run \`broapt apps check\` to confirm, or run with --broken-apps skip to fail only ${one ? 'its' : 'their'} files.`;
  if (workdirs.length > 0) {
    throw new ConfigError(
      'E_API_WORKDIR',
      `working director${one ? 'y does' : 'ies do'} not exist:\n${formatProblems(workdirs, LISTED)}\nCreate ${one ? 'it' : 'them'} (mkdir -p) or set \`workdir\` in api.yml to a folder that exists. ${fix}`,
      keyPathOf(first.app, '.workdir'),
      first.app.position,
    );
  }
  throw new ConfigError('E_APP_BROKEN', `${one ? 'an app is' : 'apps are'} not usable, so no file was taken:\n${formatProblems(problems, LISTED)}\n${fix}`, first.app.key, first.app.position);
}

function keyPathOf(app: App, suffix: string): string {
  return `${app.key === 'example' ? 'example' : `${app.mediaType}.${app.pattern}`}${suffix}`;
}
