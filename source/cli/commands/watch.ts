import { watchFolder } from '../../pipeline/watch.ts';
import { UsageError } from '../../errors.ts';
import { parse, requireExisting, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { runPass } from '../run-pass.ts';

export const help = `Usage: broapt watch [options] [DUMP_PATH]

The app loop: analyse what the dump folder holds minus the history, then every
file that appears in it (written, moved in with mv, or in a new subfolder) once
it has stopped growing. Runs until SIGUSR1 (as the reference), SIGTERM or
SIGINT: then it takes no new file, lets running files finish, flushes the
history and exits 0 (failed files are in fail.log; a second signal kills the
running commands and exits 128+N at once). Exit 2 for a usage or api.yml error.

Options:
  --settle-time SEC   BROAPT_SETTLE_TIME   a file is taken once untouched this long [0.5]

${SETTING_HELP}
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('watch', args, { ...SETTING_OPTIONS, 'settle-time': { type: 'string' } });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('give one DUMP_PATH at most; run `broapt watch --help`.');
  const settings = settingsFrom({ ...values, 'dump-path': positionals[0] ?? values['dump-path'] });
  requireExisting([settings.dumpPath], 'folder');
  const options = { logLevel: values['log-level'], settleMs: settings.settleTime * 1000, exitOnFailures: false };
  return runPass(settings, options, async ({ session, passOptions, stopRequested }) => {
    const watcher = await watchFolder(session, settings.dumpPath, passOptions);
    session.logger.info({ dumpPath: settings.dumpPath, history: session.history.size }, 'watching; send SIGUSR1, SIGTERM or SIGINT to stop');
    await stopRequested;
    await watcher.stop();
    return watcher.summary;
  });
}
