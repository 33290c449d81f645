import fs from 'node:fs/promises';
import path from 'node:path';
import { SEVERITIES } from '../../../apps/lib/report.ts';
import { demoSamples, sampleName } from '../../demo/samples.ts';
import { scanPaths } from '../../pipeline/scan.ts';
import type { FileRecord } from '../../pipeline/record.ts';
import { resolveSettings, SHIPPED_API_ROOT } from '../../settings.ts';
import { UsageError } from '../../errors.ts';
import { parse } from '../options.ts';
import { runPass } from '../run-pass.ts';

export const help = `Usage: broapt demo [--dir DIR] [--jobs N]

Generates a small dump of realistic files (PDF with JavaScript, Office, images,
ZIP, HTML with a hidden iframe, obfuscated JavaScript, the EICAR test file, an
ELF served as a GIF, ...) named as BroAPT's Zeek scripts name them, and runs
the whole pipeline on them with the shipped apps (apps/api.yml) on the
embedded default (no Redis, no containers), printing each file's verdict and
its strongest findings.

The demo keeps everything under its own folder, so the BROAPT_* path variables
do not apply to it.

Options:
  --dir DIR     where to put dump/ and logs/ (emptied first) [./demo-run]
  -j, --jobs N  files analysed at once [CPU count]
`;

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
    { dumpPath: path.join(dir, 'dump'), apiRoot: SHIPPED_API_ROOT, logsPath: path.join(dir, 'logs'), apiLogs: path.join(dir, 'logs', 'api'), jobs: values.jobs },
    {},
  );
  await clearDemoFolder(dir);
  await fs.mkdir(settings.dumpPath, { recursive: true });
  await fs.writeFile(path.join(dir, DEMO_MARK), 'Made by `broapt demo`, which empties this folder on its next run.\n');
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
  const lines = records.filter((record) => about.has(record.path)).map((record) => describe(record, about.get(record.path)!));
  process.stdout.write(`\nWhat happened to each file:\n${lines.sort().join('\n')}\n\nLogs: ${settings.logsPath} (processed.jsonl, dump.log, fail.log, api/)\n`);
  return code;
}

/** A finding's rank in the shipped apps' severity order: info (0) to critical; -1 for a name they do not use. */
const rank = (severity: string) => (SEVERITIES as readonly string[]).indexOf(severity);

/** One line per file: what it is, its MIME, its verdict, and the strongest findings behind it. */
function describe(record: FileRecord, about: string): string {
  if (record.status !== 'done') return `  ${about.padEnd(38)} ${record.mime.padEnd(25)} FAILED: ${record.reason}`;
  const findings = (record.findings ?? [])
    // The strongest first; info-level findings never make the line.
    .filter((finding) => rank(finding.severity) > 0)
    .sort((a, b) => rank(b.severity) - rank(a.severity));
  const rules = findings.slice(0, 3).map((finding) => finding.rule).join(', ');
  return `  ${about.padEnd(38)} ${record.mime.padEnd(25)} ${(record.verdict ?? 'clean').toUpperCase().padEnd(10)} ${rules}`.trimEnd();
}
