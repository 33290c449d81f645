import { scanPaths } from '../../pipeline/scan.ts';
import { parse, requireExisting, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { runPass } from '../run-pass.ts';

export const help = `Usage: broapt scan [options] [PATH...]

Analyse files and folders once: every regular file not yet in the history
(dump.log; fail.log too unless --retry-failed) goes to the app api.yml assigns
to its MIME type. Folders are walked recursively; symbolic links and FIFOs are
never followed or opened. Without PATH, the dump folder is scanned.

Prints progress on stderr and a summary on stdout (files, per-MIME counts,
failures, rate, and a table of the files whose verdict is suspicious or
malicious, worst first). Each file's merged report goes to
<logs-path>/reports.jsonl and broapt.log. Exit status: 0 when no file failed,
1 when some did, 2 for a usage or api.yml error, an app that \`broapt apps
check\` finds broken (with --broken-apps skip, its files fail instead), or
logs that cannot be written (read-only, disk full: then intake stops, no file
is failed for it, and the files not recorded are left for the next run).
SIGUSR1, SIGTERM or SIGINT stop intake and let running
files finish; the rest are taken next run.

${SETTING_HELP}

Examples:
  broapt scan ./extract_files
  BROAPT_API_ROOT=/etc/broapt broapt scan --jobs 4 /srv/zeek/extract_files
`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('scan', args, SETTING_OPTIONS);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  const paths = positionals.length > 0 ? positionals : [settings.dumpPath];
  requireExisting(paths, 'file or folder');
  return runPass(settings, { logLevel: values['log-level'] }, ({ session, passOptions }) => scanPaths(session, paths, passOptions));
}
