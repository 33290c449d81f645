import { readFileSync } from 'node:fs';
import { BroaptError } from '../errors.ts';
import { demoCommand, DEMO_HELP } from './commands/demo.ts';
import { explainCommand, EXPLAIN_HELP } from './commands/explain.ts';
import { scanCommand, SCAN_HELP } from './commands/scan.ts';
import { watchCommand, WATCH_HELP } from './commands/watch.ts';

const COMMANDS: Record<string, { run: (args: string[]) => Promise<number>; help: string; summary: string }> = {
  scan: { run: scanCommand, help: SCAN_HELP, summary: 'analyse files and folders once, then print a summary' },
  watch: { run: watchCommand, help: WATCH_HELP, summary: 'analyse the dump folder and every file that appears in it' },
  explain: { run: explainCommand, help: EXPLAIN_HELP, summary: 'show what would run for each file, and why' },
  demo: { run: demoCommand, help: DEMO_HELP, summary: 'generate sample files and an api.yml, and run the whole pipeline' },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const MAIN_HELP = `Usage: broapt <command> [options]

broapt runs the right analyzer on every file Zeek extracts from network
traffic: each file's MIME type (from its BroAPT name PROTO-FUID.PCAP.MEDIA.SUBTYPE.EXT,
or from its content) picks an app in api.yml, whose commands run in a worker
pool; results go to processed.jsonl, finished files to dump.log, failures to
fail.log, each command's output to the API logs.

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`).join('\n')}

Run \`broapt <command> --help\` for a command's options, and every BROAPT_*
variable it reads. Start with \`broapt demo\`.
`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    process.stdout.write(topic && COMMANDS[topic] ? COMMANDS[topic].help : MAIN_HELP);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`broapt ${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`broapt: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. Run \`broapt --help\`.\n`);
    return 2;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof BroaptError) {
      process.stderr.write(`broapt ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
