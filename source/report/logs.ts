import fs from 'node:fs';
import path from 'node:path';
import { DailyLog } from '../results/daily-log.ts';
import { dayOf, rotateAway } from '../results/rotation.ts';
import type { FileRecord } from '../pipeline/record.ts';
import { defaultHeader } from '../zeek/header.ts';
import { ZeekJsonWriter } from '../zeek/json-writer.ts';
import { ZeekTsvWriter, type TextSink } from '../zeek/tsv-writer.ts';
import type { ZeekRecord } from '../zeek/values.ts';

export const REPORTS_LOG = 'reports.jsonl';
export const BROAPT_LOG = 'broapt.log';

/** broapt.log's columns: `fuid` joins it with Zeek's files.log. */
export const BROAPT_LOG_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['ts', 'time'],
  ['fuid', 'string'],
  ['parent_fuid', 'string'],
  ['protocol', 'string'],
  ['pcap', 'string'],
  ['path', 'string'],
  ['mime', 'string'],
  ['real_mime', 'string'],
  ['sha256', 'string'],
  ['app', 'string'],
  ['status', 'string'],
  ['verdict', 'string'],
  ['score', 'count'],
  ['rules', 'set[string]'],
  ['reason', 'string'],
];

/** What reports.jsonl holds for a file: its identity, merged verdict and every command's report. */
export function reportLine(record: FileRecord): Record<string, unknown> {
  const { commands: _commands, matchedBy: _matchedBy, ...rest } = record;
  return rest;
}

/** A record as a broapt.log row; unset (`-`) where the file has no value, as Zeek does. */
export function broaptLogRow(record: FileRecord): ZeekRecord {
  return {
    ts: Date.parse(record.time) / 1000,
    fuid: record.fuid || null,
    parent_fuid: record.parentFuid ?? null,
    protocol: record.protocol,
    pcap: record.pcap,
    path: record.path,
    mime: record.mime || null,
    real_mime: record.realMime ?? null,
    sha256: record.sha256 ?? null,
    app: record.app || null,
    status: record.status,
    verdict: record.verdict ?? null,
    score: record.score ?? null,
    rules: record.findings === undefined ? null : [...new Set(record.findings.map((finding) => finding.rule))],
    reason: record.reason ?? null,
  };
}

/** Zeek's `#open`/`#close` stamp: local time, `%Y-%m-%d-%H-%M-%S`. */
export function zeekStamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}-${two(date.getHours())}-${two(date.getMinutes())}-${two(date.getSeconds())}`;
}

/** The writers' sink: each write is one whole line, appended durably like the history's. */
function lineSink(log: () => DailyLog): TextSink {
  return { write: (chunk: string) => log().append(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
}

/** What a broapt.log holds, read from its first byte: Zeek TSV starts with `#`, JSON lines with `{`. */
function formatOf(file: string): 'tsv' | 'json' | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const byte = Buffer.alloc(1);
    if (fs.readSync(fd, byte, 0, 1, 0) === 0) return undefined;
    return byte[0] === 0x7b ? 'json' : 'tsv';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `<LOGS_PATH>/reports.jsonl` and `<LOGS_PATH>/broapt.log`, rotated daily.
 * broapt.log is Zeek TSV, one header block per run closed by `#close` (Zeek's
 * readers take a file of several blocks), or Zeek JSON lines in JSON mode
 * (BROAPT_JSON_MODE). A broapt.log of the other format is rotated away first:
 * one file never mixes them.
 */
export class ReportLogs {
  readonly #reports: DailyLog;
  readonly #zeek: DailyLog;
  readonly #tsv: ZeekTsvWriter | undefined;
  readonly #json: ZeekJsonWriter | undefined;

  private constructor(reports: DailyLog, zeek: DailyLog, writers: { tsv?: ZeekTsvWriter; json?: ZeekJsonWriter }) {
    this.#reports = reports;
    this.#zeek = zeek;
    this.#tsv = writers.tsv;
    this.#json = writers.json;
  }

  static async open(logsPath: string, options: { json: boolean; now?: () => Date }): Promise<ReportLogs> {
    const now = options.now ?? (() => new Date());
    const zeekFile = path.join(logsPath, BROAPT_LOG);
    const format = formatOf(zeekFile);
    if (format !== undefined && format !== (options.json ? 'json' : 'tsv')) rotateAway(zeekFile, dayOf(fs.statSync(zeekFile).mtime));
    const reports = await DailyLog.open(path.join(logsPath, REPORTS_LOG), { now });
    let zeek: DailyLog | undefined;
    const sink = lineSink(() => zeek!);
    try {
      if (options.json) {
        zeek = await DailyLog.open(zeekFile, { now });
        return new ReportLogs(reports, zeek, { json: new ZeekJsonWriter(sink) });
      }
      const tsv = new ZeekTsvWriter(sink);
      // Each file, the first and every rotated one, is a block of its own.
      zeek = await DailyLog.open(zeekFile, {
        now,
        opened: (log) => {
          zeek = log;
          tsv.writeHeader({
            ...defaultHeader(),
            path: 'broapt',
            open: zeekStamp(now()),
            fields: BROAPT_LOG_FIELDS.map(([name]) => name),
            types: BROAPT_LOG_FIELDS.map(([, type]) => type),
          });
        },
        closing: () => tsv.writeClose(zeekStamp(now())),
      });
      return new ReportLogs(reports, zeek, { tsv });
    } catch (error) {
      await reports.close();
      throw error;
    }
  }

  write(record: FileRecord): void {
    this.#reports.append(JSON.stringify(reportLine(record)));
    const row = broaptLogRow(record);
    if (this.#tsv) this.#tsv.writeRecord(row);
    else this.#json!.writeRecord(row);
  }

  /** Ends the day's files now (the midnight timers call this on their own). */
  async rotate(): Promise<void> {
    await Promise.all([this.#reports.rotate(), this.#zeek.rotate()]);
  }

  async close(): Promise<void> {
    try {
      this.#tsv?.writeClose(zeekStamp(new Date()));
    } finally {
      // A full disk refuses the #close line; the files are closed all the same.
      await Promise.all([this.#reports.close(), this.#zeek.close()]);
    }
  }
}
