import { watchPcaps } from '../../engine/watch-pcaps.ts';
import { UsageError } from '../../errors.ts';
import { parse, requireExisting, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { PCAP_HELP, PCAP_OPTIONS, PCAP_SIGNALS_HELP, runPcapPass } from '../pcap-pass.ts';

export const help = `Usage: broapt watch-pcaps [options] [DIR]

The bundled process of the reference: take every capture in DIR (without DIR,
BROAPT_PCAP_PATH, as the reference) and every capture that arrives in it later
(once it has stopped growing), extract its files and analyse them, as \`broapt
run\` does for one batch. Captures already in <logs-path>/processed_pcaps.log,
or in the reference's <logs-path>/file.log, are skipped. Runs until a signal
stops it.

${PCAP_HELP}
  --settle-time SEC   BROAPT_SETTLE_TIME   a capture is taken once untouched this long [0.5]

${PCAP_SIGNALS_HELP}

Exit status: 0 after a stop when every capture, file and hook succeeded, 1
when some failed, 2 for a usage error or a missing engine.

${SETTING_HELP}

Examples:
  broapt watch-pcaps --engine tshark /srv/pcaps
  kill -USR2 <pid>    # stop taking captures; finish the running ones
`;

const OPTIONS = { ...SETTING_OPTIONS, ...PCAP_OPTIONS, 'settle-time': { type: 'string' } } as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('watch-pcaps', args, OPTIONS);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  const folder = positionals.length === 0 ? process.env.BROAPT_PCAP_PATH?.trim() || undefined : positionals[0];
  if (positionals.length > 1 || folder === undefined) {
    throw new UsageError('give exactly one folder of captures to watch, as DIR or in BROAPT_PCAP_PATH. Run `broapt watch-pcaps --help` for the options.', 'E_NO_INPUT');
  }
  requireExisting([folder], 'folder');
  const settleMs = settings.settleTime * 1000;
  return runPcapPass(settings, values, { settleMs }, async ({ queue, logsStopped, logger }) => {
    const watcher = await watchPcaps(folder, queue, { settleMs, intervalMs: settings.interval * 1000, logger });
    logger.info({ dir: folder }, 'watching for captures; SIGUSR2 stops taking them, SIGTERM or SIGINT stops everything');
    await logsStopped;
    await watcher.stop();
  });
}
