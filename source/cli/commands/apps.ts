import { existsSync } from 'node:fs';
import { loadApiConfig } from '../../api/load.ts';
import { checkApps } from '../../apps/check.ts';
import { listApps } from '../../apps/list.ts';
import { formatProblems } from '../../apps/problems.ts';
import { UsageError } from '../../errors.ts';
import { listFiles } from '../../pipeline/listing.ts';
import { printable } from '../../pipeline/summary.ts';
import { Runners } from '../../runner/select.ts';
import { parse, SETTING_OPTIONS, settingsFrom } from '../options.ts';

export const help = `Usage: broapt apps check [--api-root DIR] [--runner KIND]
       broapt apps list [--api-root DIR] [PATH...]

check   Validates every app of api.yml before any file is taken, on the
        runner its files will run on (--runner, \`runner:\` in api.yml): its
        working directory exists, its runner can run it (bwrap for the
        sandbox, an image for a container), the program each command starts
        is there (on PATH, or the file a variable or path names, which a
        sandbox app must also see through its workdir or mounts), and its
        \`check\` commands pass where its files will run, in the sandbox for
        a sandbox app (the shipped scan's: YARA rules compile, ClamAV
        databases load). A container app's programs and checks are in its
        image: not run here. scan and watch run the same checks and refuse to
        start on a broken app, or with --broken-apps skip fail only its files.
        Exit status: 0 when every app is usable, 1 when one is not.
list    Each MIME pattern of api.yml, its app (folder and report command), its
        runner and the files of PATH (default: the dump folder, if it exists)
        it would take.

Options:
  --api-root DIR      BROAPT_API_ROOT: folder holding api.yml [the shipped apps/]
  --dump-path DIR     BROAPT_DUMP_PATH: what \`list\` looks at without PATH
  --runner KIND       BROAPT_RUNNER: runner of apps that set none [host]
  --timeout SEC       BROAPT_TIMEOUT: per-command timeout when api.yml sets none [300]
`;

/** Names shown per app in `list`: the first few, then a count. */
const SHOWN = 3;

export async function run(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    process.stdout.write(help);
    return action === undefined ? 2 : 0;
  }
  if (action !== 'check' && action !== 'list') throw new UsageError(`unknown action "${action}": use \`broapt apps check\` or \`broapt apps list\`.`);
  const { values, positionals } = parse('apps', rest, {
    'api-root': SETTING_OPTIONS['api-root'],
    'dump-path': SETTING_OPTIONS['dump-path'],
    runner: SETTING_OPTIONS.runner,
    timeout: SETTING_OPTIONS.timeout,
    help: SETTING_OPTIONS.help,
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  const config = await loadApiConfig(settings.apiRoot, { defaultTimeoutMs: settings.timeout * 1000 });
  if (action === 'check') {
    if (positionals.length > 0) throw new UsageError('`broapt apps check` takes no PATH.');
    const passed: string[] = [];
    const problems = await checkApps(config, { runners: new Runners(settings.runner), onPass: (command, output) => passed.push(...output.trim().split('\n').filter((line) => line !== '').map((line) => `  check \`${command}\`: ${line}`)) });
    const apps = [config.example, ...config.apps];
    const broken = new Set(problems.map((p) => p.app));
    process.stdout.write(`${config.file}: ${apps.length} app${apps.length === 1 ? '' : 's'}, ${apps.length - broken.size} usable, ${broken.size} broken\n`);
    if (passed.length > 0) process.stdout.write(`${passed.join('\n')}\n`);
    if (problems.length > 0) process.stdout.write(`${formatProblems(problems)}\n`);
    return problems.length === 0 ? 0 : 1;
  }
  const paths = positionals.length > 0 ? positionals : [settings.dumpPath];
  const listing = positionals.length > 0 || existsSync(settings.dumpPath) ? await listFiles(paths) : { files: [], skipped: [] };
  const rows = await listApps(config, settings.runner, listing.files);
  const width = (pick: (row: (typeof rows)[number]) => string) => Math.max(...rows.map((row) => pick(row).length));
  const [keyWidth, dirWidth] = [Math.max(7, width((r) => r.key)), Math.max(6, width((r) => r.workdir))];
  process.stdout.write(`${'PATTERN'.padEnd(keyWidth)}  ${'FOLDER'.padEnd(dirWidth)}  RUNNER     FILES  REPORT\n`);
  for (const row of rows) {
    process.stdout.write(`${row.key.padEnd(keyWidth)}  ${row.workdir.padEnd(dirWidth)}  ${row.runner.padEnd(9)}  ${String(row.files.length).padStart(5)}  ${row.report}\n`);
    for (const file of row.files.slice(0, SHOWN)) process.stdout.write(`${''.padEnd(keyWidth)}    ${printable(file)}\n`);
    if (row.files.length > SHOWN) process.stdout.write(`${''.padEnd(keyWidth)}    … and ${row.files.length - SHOWN} more\n`);
  }
  return 0;
}
