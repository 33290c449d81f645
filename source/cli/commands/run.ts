import { listPcaps } from '../../engine/pcap.ts';
import { UsageError } from '../../errors.ts';
import { parse, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { PCAP_HELP, PCAP_OPTIONS, PCAP_SIGNALS_HELP, runPcapPass } from '../pcap-pass.ts';

export const help = `Usage: broapt run [options] PCAP_OR_DIR...

Extract the files carried in PCAP/pcapng captures and analyse each one as it
appears, like scan does. Folders are walked for captures (other files in them
are ignored); a named file that is not a capture is refused. Each capture's
logs (files.log, and Zeek's others) go to <logs-path>/<stem>-<uuid>/, its files
to the dump folder as PROTO-FUID.PCAP.MEDIA.SUBTYPE.EXT under <media>/<subtype>/.
The post-processing hooks (extracted_files.log, http_connections.log, and yours
from --sites) run on each capture's log folder, as \`broapt logs process\` does.
Captures listed in <logs-path>/processed_pcaps.log are skipped; one is listed
there once all of its files are analysed. To keep taking captures as they
arrive in a folder, use \`broapt watch-pcaps\`.

${PCAP_HELP}

${PCAP_SIGNALS_HELP}

Exit status: 0 when every capture, file and hook succeeded, 1 when some failed,
2 for a usage error, a non-capture input or a missing engine.

${SETTING_HELP}

Examples:
  broapt run --engine tshark ./captures
  BROAPT_ENGINE=tshark BROAPT_CPU=4 broapt run day1.pcap day2.pcapng
`;

const OPTIONS = { ...SETTING_OPTIONS, ...PCAP_OPTIONS } as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('run', args, OPTIONS);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  if (positionals.length === 0) throw new UsageError('give the PCAP files or folders to process. Run `broapt run --help` for the options.', 'E_NO_INPUT');
  const { pcaps, ignored } = await listPcaps(positionals);
  if (ignored.length > 0) process.stderr.write(`broapt: ${ignored.length} file(s) in the given folders are not captures and were ignored, e.g. ${JSON.stringify(ignored[0])}\n`);
  return runPcapPass(settings, values, {}, async ({ queue }) => {
    for (const pcap of pcaps) queue.add(pcap);
    queue.close();
  });
}
