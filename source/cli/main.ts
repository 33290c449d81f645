import { BroaptError } from '../errors.ts';
import { version } from './version.ts';
interface Command {
  run: (args: string[]) => Promise<number>;
  help: string;
}

// Each command loads its own modules only when it runs: start-up time is paid on every scan.
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  scan: { load: () => import('./commands/scan.ts'), summary: 'analyse files and folders once, then print a summary' },
  watch: { load: () => import('./commands/watch.ts'), summary: 'analyse the dump folder and every file that appears in it' },
  enqueue: { load: () => import('./commands/enqueue.ts'), summary: "cluster: queue the dump folder's new files in Redis for the workers" },
  status: { load: () => import('./commands/status.ts'), summary: 'cluster: queue length, running files per worker, outcomes, rate' },
  tail: { load: () => import('./commands/tail.ts'), summary: "cluster: follow the results stream, one file's record per line" },
  explain: { load: () => import('./commands/explain.ts'), summary: 'show what would run for each file, and why' },
  apps: { load: () => import('./commands/apps.ts'), summary: 'check every app of api.yml before a run; list which app takes which files' },
  run: { load: () => import('./commands/run.ts'), summary: 'extract the files in PCAPs (zeek or tshark) and analyse each as it appears' },
  capture: { load: () => import('./commands/capture.ts'), summary: 'live capture: rotating pcap files from a network interface into the folder watch-pcaps watches' },
  'watch-pcaps': { load: () => import('./commands/watch-pcaps.ts'), summary: 'extract and analyse every capture in a folder and every one that arrives' },
  demo: { load: () => import('./commands/demo.ts'), summary: 'generate sample files and an api.yml, and run the whole pipeline' },
  daemon: { load: () => import('./commands/daemon.ts'), summary: 'the remote detection daemon: runs its own apps for remote: true app sides; dashboard, metrics' },
  results: { load: () => import('./commands/results.ts'), summary: 'which files got which verdict, since when, from which hosts: queries the records' },
  logs: { load: () => import('./commands/logs.ts'), summary: 'run the post-processing hooks on a Zeek log folder; print Zeek logs like zeek-cut' },
};

const NAME_WIDTH = Math.max(...Object.keys(COMMANDS).map((name) => name.length));

const MAIN_HELP = `Usage: broapt <command> [options]

broapt runs the right analyzer on every file Zeek extracts from network
traffic: each file's MIME type (from its BroAPT name PROTO-FUID.PCAP.MEDIA.SUBTYPE.EXT,
or from its content) picks an app in api.yml, whose commands run in a worker
pool; results go to processed.jsonl, finished files to dump.log, failures to
fail.log, each command's output to the API logs.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(NAME_WIDTH)} ${c.summary}`).join('\n')}

Run \`broapt <command> --help\` for a command's options, and every BROAPT_*
variable it reads. Start with \`broapt demo\`.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    const command = topic === undefined ? undefined : COMMANDS[topic];
    process.stdout.write(command ? (await command.load()).help : MAIN_HELP);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`broapt ${version()}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`broapt: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. Run \`broapt --help\`.\n`);
    return 2;
  }
  try {
    return await (await entry.load()).run(args);
  } catch (error) {
    if (error instanceof BroaptError) {
      process.stderr.write(`broapt ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
