import { capture, CAPTURE_SPOOL } from '../../engine/capture.ts';
import { findExecutable } from '../../engine/executable.ts';
import { EngineError } from '../../engine/engine.ts';
import { UsageError } from '../../errors.ts';
import { createLogger } from '../../log.ts';
import { onStopSignal } from '../../pipeline/shutdown.ts';
import { parse, requireExisting } from '../options.ts';

export const help = `Usage: broapt capture --interface IF (--rotate SEC | --rotate-size MB) --pcap-path DIR [options]

Live capture from a network tap: Wireshark's dumpcap writes the traffic on IF
into rotating pcap files, and each file is moved into DIR once dumpcap has
closed it, so \`broapt watch-pcaps DIR\` (run beside it) extracts and analyses
every capture whole. dumpcap writes in DIR/${CAPTURE_SPOOL}/, which watch-pcaps
passes over. A ring buffer bounds what waits in DIR: past --ring-files files or
--ring-size MB, the oldest capture is removed (raise them if the analysis falls
behind). Captures that caught no packet are dropped.

Options:
  --interface IF      the interface to capture on (ip link lists them)   [required]
  --rotate SEC        start a new file every SEC seconds
  --rotate-size MB    start a new file at MB megabytes                     [--ring-size]
                      (give --rotate, --rotate-size or both: a capture reaches
                      the analysis only once its file is closed)
  --pcap-path DIR     the folder watch-pcaps watches                         [required]
  --ring-files N      captures kept in DIR at most                           [10]
  --ring-size MB      megabytes of captures kept in DIR at most             [1000]
  --filter BPF        capture filter, in tcpdump's syntax (e.g. "tcp port 80")
  --log-level LEVEL   BROAPT_LOG_LEVEL     trace|debug|info|warn|error|silent [info]
                      BROAPT_DUMPCAP       the dumpcap binary                 [on PATH]

Needs root, or the NET_RAW and NET_ADMIN capabilities (docker-compose.yml's
\`capture\` profile grants exactly these, with the host's network).

Signals: SIGUSR1, SIGTERM and SIGINT stop the capture cleanly: dumpcap closes
its last file, which is handed over, and broapt exits 0. A second signal exits
at once.

Exit status: 0 after a clean stop, 2 for a usage error or when dumpcap cannot
capture (a wrong interface name, missing permissions).

Examples:
  broapt capture --interface eth1 --rotate 60 --pcap-path /srv/pcaps &
  broapt watch-pcaps --engine tshark /srv/pcaps
  broapt capture --interface eth1 --rotate-size 100 --ring-files 50 --filter "not port 22" --pcap-path /srv/pcaps
`;

const OPTIONS = {
  interface: { type: 'string' },
  rotate: { type: 'string' },
  'rotate-size': { type: 'string' },
  'pcap-path': { type: 'string' },
  'ring-files': { type: 'string' },
  'ring-size': { type: 'string' },
  filter: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A positive number from a flag, or `fallback` when the flag is absent. */
function positive(flag: string, value: string | undefined, fallback: number | undefined, whole = false): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n))) {
    throw new UsageError(`--${flag} ${JSON.stringify(value)} is not valid: give a ${whole ? 'whole ' : ''}number above 0. Run \`broapt capture --help\` for the options.`);
  }
  return n;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse('capture', args, OPTIONS, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (values.interface === undefined || values['pcap-path'] === undefined) {
    throw new UsageError('give the interface to capture on (--interface) and the folder watch-pcaps watches (--pcap-path). Run `broapt capture --help` for the options.', 'E_NO_INPUT');
  }
  if (values.rotate === undefined && values['rotate-size'] === undefined) {
    throw new UsageError('give --rotate SECONDS, --rotate-size MB or both: a capture reaches the analysis only once its file is closed. Run `broapt capture --help`.', 'E_NO_ROTATION');
  }
  const bounds = {
    rotateSeconds: positive('rotate', values.rotate, undefined, true),
    rotateMb: positive('rotate-size', values['rotate-size'], undefined),
    ringFiles: positive('ring-files', values['ring-files'], 10, true)!,
    ringMb: positive('ring-size', values['ring-size'], 1000)!,
  };
  requireExisting([values['pcap-path']], 'folder');
  const dumpcap = findExecutable('dumpcap', process.env.BROAPT_DUMPCAP?.trim() || undefined);
  if (dumpcap === undefined) {
    throw new EngineError('E_NO_DUMPCAP', 'no dumpcap binary found on PATH. Install it (Debian: apt-get install tshark, which brings dumpcap) or point BROAPT_DUMPCAP at it.');
  }
  const logger = createLogger({ level: values['log-level'] ?? process.env.BROAPT_LOG_LEVEL });
  let stopNow!: () => void;
  const stop = new Promise<void>((resolve) => (stopNow = resolve));
  const removeSignals = onStopSignal(
    (signal) => {
      logger.info({ signal }, 'stopping the capture: dumpcap closes its last file, which is handed over');
      stopNow();
    },
    () => process.exit(1),
  );
  try {
    const summary = await capture({ ...bounds, dumpcap, interface: values.interface, pcapPath: values['pcap-path'], filter: values.filter, logger }, stop);
    logger.info(summary, 'capture stopped');
    return 0;
  } finally {
    removeSignals();
  }
}
