import { ENGINE_NAMES, type Engine, type EngineName } from '../../engine/engine.ts';
import { listPcaps } from '../../engine/pcap.ts';
import { runPcaps, type PcapRunResult } from '../../engine/run.ts';
import { tsharkEngine } from '../../engine/tshark.ts';
import { zeekEngine } from '../../engine/zeek.ts';
import { UsageError } from '../../errors.ts';
import { BUILTIN_HOOKS } from '../../hooks/builtin.ts';
import { loadSites } from '../../hooks/sites.ts';
import { parse, SETTING_HELP, SETTING_OPTIONS, settingsFrom } from '../options.ts';
import { runPass } from '../run-pass.ts';

export const help = `Usage: broapt run [options] PCAP_OR_DIR...

Extract the files carried in PCAP/pcapng captures and analyse each one as it
appears, like scan does. Folders are walked for captures (other files in them
are ignored); a named file that is not a capture is refused. Each capture's
logs (files.log) go to <logs-path>/<stem>-<uuid>/, its files to the dump
folder as PROTO-FUID.PCAP.MEDIA.SUBTYPE.EXT under <media>/<subtype>/.
Captures listed in <logs-path>/processed_pcaps.log are skipped; one is listed
there once all of its files are analysed. The post-processing hooks
(extracted_files.log, http_connections.log, and yours from --sites) run on each
capture's log folder, as \`broapt logs process\` does.

  --engine NAME       BROAPT_ENGINE        zeek or tshark (tshark --export-objects:
                                           HTTP, SMTP and attachments, SMB, TFTP, FTP) [zeek]
  --sites DIR         BROAPT_SITES         folder of user hook modules (docs/hooks.md)
                      BROAPT_CPU           captures processed at once           [1]
                      BROAPT_ZEEK, BROAPT_TSHARK   engine binary               [on PATH]

Exit status: 0 when every capture, file and hook succeeded, 1 when some failed, 2
for a usage error, a non-capture input or a missing engine. SIGUSR1, SIGTERM or
SIGINT stop taking new captures and let running ones finish.

${SETTING_HELP}

Examples:
  broapt run --engine tshark ./captures
  BROAPT_ENGINE=tshark BROAPT_CPU=4 broapt run day1.pcap day2.pcapng
`;

const OPTIONS = { ...SETTING_OPTIONS, engine: { type: 'string' }, sites: { type: 'string' } } as const;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('run', args, OPTIONS);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const settings = settingsFrom(values);
  if (positionals.length === 0) throw new UsageError('give the PCAP files or folders to process. Run `broapt run --help` for the options.', 'E_NO_INPUT');
  const engine = makeEngine(values.engine ?? (process.env.BROAPT_ENGINE?.trim() || 'zeek'));
  const parallel = pcapParallelism(process.env.BROAPT_CPU);
  const { pcaps, ignored } = await listPcaps(positionals);
  const sites = values.sites ?? (process.env.BROAPT_SITES?.trim() || undefined);
  const loaded = sites === undefined ? { hooks: [], failures: [] } : await loadSites(sites);
  let outcome: PcapRunResult | undefined;
  const code = await runPass(settings, { logLevel: values['log-level'] }, async ({ session, passOptions, stopRequested }) => {
    for (const failure of loaded.failures) session.logger.error({ hook: failure.hook, err: failure.error }, failure.error?.message);
    if (ignored.length > 0) session.logger.warn({ ignored: ignored.length, first: ignored[0] }, 'files in the given folders that are not captures were ignored');
    outcome = await runPcaps(session, engine, pcaps, { parallel, stopRequested, hooks: [...BUILTIN_HOOKS, ...loaded.hooks], ...(passOptions.onRecord ? { onRecord: passOptions.onRecord } : {}) });
    session.logger.info({ pcaps: pcaps.length, alreadyProcessed: outcome.alreadyProcessed, failed: outcome.failed.length }, 'captures done');
    return outcome.summary;
  });
  const failures = (outcome?.failed.length ?? 0) + (outcome?.hookFailures.length ?? 0) + loaded.failures.length;
  return failures > 0 ? Math.max(code, 1) : code;
}

function makeEngine(name: string): Engine {
  if (!(ENGINE_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(`unknown engine ${JSON.stringify(name)} (from --engine or BROAPT_ENGINE); use ${ENGINE_NAMES.join(' or ')}.`, 'E_ENGINE');
  }
  return (name as EngineName) === 'zeek' ? zeekEngine() : tsharkEngine();
}

function pcapParallelism(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`BROAPT_CPU=${JSON.stringify(value)} is not valid: give a whole number of at least 1.`, 'E_SETTING');
  return n;
}
