import { statSync } from 'node:fs';
import { UsageError } from '../../errors.ts';
import { printable } from '../../pipeline/summary.ts';
import { VERDICTS } from '../../report/report.ts';
import { toCsv } from '../../results/csv.ts';
import { sinceTime } from '../../results/duration.ts';
import { fuidsOfHost } from '../../results/hosts.ts';
import { ResultsIndex } from '../../results/index.ts';
import { queryLines, queryResults, type ResultFilter, type ResultRecord } from '../../results/query.ts';
import { resolveSettings } from '../../settings.ts';
import { parse } from '../options.ts';

export const help = `Usage: broapt results [options] [LOGS_PATH]

Answer from the records of a logs folder (reports.jsonl and its rotated days):
which files got which verdict, when, with which findings. Newest first. The
answer comes from an index beside reports.jsonl (reports.sqlite), kept up to
date as records are written and rebuilt from reports.jsonl when it is missing.

Options (each narrows the answer; give several to combine them):
  --verdict V         clean, unknown, suspicious or malicious; repeat it or
                      write a list (malicious,suspicious)          [any]
  --since WHEN        files finished since a duration ago (30m, 2h, 1d, 2w) or
                      an ISO-8601 time (2026-03-18, 2026-03-18T10:00:00Z)
  --sha256 HASH       files with this content hash
  --fuid FUID         the file Zeek named FUID (and its own record only)
  --mime GLOB         MIME type from the name or the content: application/pdf,
                      'application/vnd.ms-*'
  --host IP           files IP sent or received, and the members unpacked from
                      them: joins with the captures' files.log (by fuid) and
                      conn.log (by uid) in LOGS_PATH and its capture folders
  --limit N           at most N files                              [all]
  --format FORMAT     table: one line per file, for a terminal;
                      json: one reports.jsonl record per line;
                      csv: one row per file, nested fields as dotted columns
                      (reports.0.details.size) for spreadsheets    [table]
  LOGS_PATH           BROAPT_LOGS_PATH                             [./logs]

Examples:
  broapt results --verdict malicious --since 1d
  broapt results --verdict malicious,suspicious --host 10.0.0.5 /var/log/broapt
  broapt results --sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --format json
  broapt results --mime 'application/vnd.ms-*' --since 2026-03-18 --format csv > office.csv

Exit status: 0 (also when nothing matches), 2 for a usage error.
`;

const FORMATS = ['table', 'json', 'csv'] as const;

function verdicts(values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const list = values.flatMap((value) => value.split(',')).map((value) => value.trim().toLowerCase());
  const bad = list.find((value) => !(VERDICTS as readonly string[]).includes(value));
  if (bad !== undefined) throw new UsageError(`--verdict ${JSON.stringify(bad)} is not a verdict: use ${VERDICTS.join(', ')}.`, 'E_VERDICT');
  return list;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--limit ${JSON.stringify(text)} is not a number of files: write a whole number like 100.`);
  return Number(text);
}

function table(records: ResultRecord[]): string {
  if (records.length === 0) return 'no file matches\n';
  const rows = records.map((r) => {
    const rules = Array.isArray(r.findings) ? [...new Set(r.findings.map((f: { rule?: unknown }) => String(f.rule)))].join(',') : '';
    const outcome = r.status === 'failed' ? 'FAILED' : String(r.verdict ?? '-');
    return [r.time.replace(/\.\d+Z$/, 'Z'), outcome, String(r.score ?? '-'), String(r.mime ?? '-'), r.fuid || '-', printable(String(r.path ?? '')), rules || String(r.reason ?? '')];
  });
  const header = ['time', 'verdict', 'score', 'mime', 'fuid', 'path', 'findings'];
  const widths = header.slice(0, 5).map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd();
  return `${[line(header), ...rows.map((row) => line(row.map(printable)))].join('\n')}\n`;
}

/**
 * A pipe takes 64 KiB at once and the CLI exits when run() returns: wait until
 * the reader has it all. A reader that stopped early (`| head`) ends the output quietly.
 */
function writeAll(text: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? resolve() : reject(error));
    process.stdout.once('error', failed);
    process.stdout.write(text, (error) => {
      if (error) return;
      process.stdout.off('error', failed);
      resolve();
    });
  });
}

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse('results', args, {
    verdict: { type: 'string', multiple: true },
    since: { type: 'string' },
    sha256: { type: 'string' },
    fuid: { type: 'string' },
    mime: { type: 'string' },
    host: { type: 'string' },
    limit: { type: 'string' },
    format: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError('give at most one LOGS_PATH (the logs folder); run `broapt results --help`.');
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${JSON.stringify(format)}: use ${FORMATS.join(', ')}.`);
  const logsPath = positionals[0] ?? resolveSettings({}).logsPath;
  if (!statSync(logsPath, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`${logsPath} is not a logs folder: give the folder that holds reports.jsonl (LOGS_PATH), or set BROAPT_LOGS_PATH.`, 'E_NO_LOGS');
  }
  const filter: ResultFilter = {
    verdicts: verdicts(values.verdict),
    since: values.since === undefined ? undefined : sinceTime(values.since, new Date()),
    sha256: values.sha256,
    fuid: values.fuid,
    mime: values.mime,
    limit: count(values.limit),
  };
  if (values.host !== undefined) {
    const fuids = await fuidsOfHost(logsPath, values.host);
    if (fuids === undefined) throw new UsageError(`--host needs the captures' Zeek logs, and ${logsPath} has no files.log (nor its capture folders): run the captures with \`broapt run\` into this logs folder, or drop --host.`, 'E_NO_ZEEK_LOGS');
    filter.fuids = fuids;
  }
  const index = ResultsIndex.open(logsPath);
  try {
    const text = format === 'json' ? queryLines(index, filter).map((line) => `${line}\n`).join('') : format === 'csv' ? toCsv(queryResults(index, filter)) : table(queryResults(index, filter));
    await writeAll(text);
    return 0;
  } finally {
    index.close();
  }
}
