import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadApiConfig } from '../../api/load.ts';
import { resolveWorkdir } from '../../api/workdir.ts';
import { demoSamples, sampleName } from '../../demo/samples.ts';
import { scanPaths } from '../../pipeline/scan.ts';
import type { FileRecord } from '../../pipeline/record.ts';
import { resolveSettings } from '../../settings.ts';
import { UsageError } from '../../errors.ts';
import { parse } from '../options.ts';
import { runPass } from '../run-pass.ts';

export const help = `Usage: broapt demo [--dir DIR] [--jobs N]

Generates a small dump of realistic files (PDF with JavaScript, Office, images,
ZIP, HTML with a hidden iframe, obfuscated JavaScript, the EICAR test file, an
ELF served as a GIF, ...) named as BroAPT's Zeek scripts name them, writes a
matching api.yml, and runs the whole pipeline on the embedded default (no
Redis, no containers), printing what happened to each file.

The demo keeps everything under its own folder, so the BROAPT_* path variables
do not apply to it.

Options:
  --dir DIR     where to put dump/, api/ and logs/ (emptied first) [./demo-run]
  -j, --jobs N  files analysed at once [CPU count]
`;

const DEMO_API = fileURLToPath(new URL('../../demo/api.yml', import.meta.url));
/** Marks a folder the demo made, the only kind it will empty. */
const DEMO_MARK = '.broapt-demo';

async function clearDemoFolder(dir: string): Promise<void> {
  const entries: string[] = await fs.readdir(dir).catch(() => []);
  if (entries.length === 0) return;
  if (!entries.includes(DEMO_MARK)) {
    throw new UsageError(`${dir} is not empty and was not made by broapt demo; give --dir an empty or new folder.`, 'E_DEMO_DIR');
  }
  await fs.rm(dir, { recursive: true, force: true });
}

async function readElf(): Promise<Buffer | undefined> {
  for (const candidate of ['/usr/bin/true', '/bin/true']) {
    try {
      return await fs.readFile(candidate);
    } catch {
      // try the next location
    }
  }
  return undefined;
}

export async function run(args: string[]): Promise<number> {
  const { values } = parse('demo', args, { dir: { type: 'string' }, jobs: { type: 'string', short: 'j' }, help: { type: 'boolean', short: 'h' } }, false);
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const dir = path.resolve(values.dir ?? 'demo-run');
  const settings = resolveSettings(
    { dumpPath: path.join(dir, 'dump'), apiRoot: path.join(dir, 'api'), logsPath: path.join(dir, 'logs'), apiLogs: path.join(dir, 'logs', 'api'), jobs: values.jobs },
    {},
  );
  await clearDemoFolder(dir);
  await fs.mkdir(settings.dumpPath, { recursive: true });
  await fs.writeFile(path.join(dir, DEMO_MARK), 'Made by `broapt demo`, which empties this folder on its next run.\n');
  await fs.mkdir(settings.apiRoot, { recursive: true });
  await fs.copyFile(DEMO_API, path.join(settings.apiRoot, 'api.yml'));
  const config = await loadApiConfig(settings.apiRoot, { defaultTimeoutMs: settings.timeout * 1000 });
  for (const app of [config.example, ...config.apps]) await fs.mkdir(resolveWorkdir(config, app), { recursive: true });
  const about = new Map<string, string>();
  for (const sample of demoSamples(await readElf())) {
    const folder = path.join(settings.dumpPath, ...sample.mime.split('/'));
    await fs.mkdir(folder, { recursive: true });
    const file = path.join(folder, sampleName(sample));
    await fs.writeFile(file, sample.bytes);
    about.set(file, sample.about);
  }
  process.stdout.write(`broapt demo: ${about.size} files in ${settings.dumpPath}, api.yml in ${settings.apiRoot}\n\n`);

  const records: FileRecord[] = [];
  const code = await runPass(settings, { logLevel: 'warn' }, ({ session, passOptions }) =>
    scanPaths(session, [settings.dumpPath], {
      ...passOptions,
      onRecord: (record, summary) => {
        passOptions.onRecord?.(record, summary);
        records.push(record);
      },
    }),
  );
  const lines = await Promise.all(records.map((record) => describe(record, about.get(record.path) ?? '')));
  process.stdout.write(`\nWhat happened to each file:\n${lines.sort().join('\n')}\n\nLogs: ${settings.logsPath} (processed.jsonl, dump.log, fail.log, api/)\n`);
  return code;
}

/** One line per file: what it is, its MIME, the app that took it, and what the report command printed. */
async function describe(record: FileRecord, about: string): Promise<string> {
  const report = record.commands.at(-1);
  const said = report ? lastOutputLine(await fs.readFile(report.log, 'utf8').catch(() => '')) : '';
  const outcome = record.status === 'done' ? said : `FAILED: ${record.reason}`;
  return `  ${about.padEnd(38)} ${record.mime.padEnd(25)} → ${record.app.padEnd(23)} ${outcome}`;
}

/** The last line a command printed: API logs interleave output with `# ` header lines. */
function lastOutputLine(log: string): string {
  const lines = log.split('\n').filter((line) => line !== '' && !line.startsWith('# '));
  return lines.at(-1) ?? '';
}
