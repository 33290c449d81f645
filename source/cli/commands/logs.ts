import { once } from 'node:events';
import { UsageError } from '../../errors.ts';
import { BUILTIN_HOOKS } from '../../hooks/builtin.ts';
import { runExitHooks, runHooks, type HookContext, type HookOutcome } from '../../hooks/hook.ts';
import { loadSites } from '../../hooks/sites.ts';
import { printable } from '../../pipeline/summary.ts';
import { resolveSettings } from '../../settings.ts';
import { makeEncoder } from '../../zeek/escape.ts';
import { formatJsonRecord } from '../../zeek/json-writer.ts';
import { readZeekLog } from '../../zeek/read.ts';
import { codecFor, type ZeekRecord, type ZeekValue } from '../../zeek/values.ts';
import { tsvText } from '../../zeek/verbatim.ts';
import { parse, requireExisting } from '../options.ts';

export const help = `Usage: broapt logs process LOG_DIR [--sites DIR] [--dump-path DIR]
       broapt logs cat FILE... [--fields a,b] [--format tsv|json|csv] [--header] [--lenient]

process runs the post-processing hooks on a Zeek log folder (the logs of one
PCAP): the built-in extracted-files (files.log + conn.log → extracted_files.log)
and http-connections (http.log → http_connections.log), then the hooks of the
sites folder, then every exit hook. It prints what each hook wrote; a hook that
fails is reported with its name and the folder, and the others still run.

cat prints the records of Zeek logs (TSV or JSON, plain or gzip), like zeek-cut.

Options of process:
  --sites DIR         BROAPT_SITES: folder of .ts/.js/.mjs hook modules [none]
  --dump-path DIR     BROAPT_DUMP_PATH: folder the files.log \`extracted\` names
                      are in, for real_mime_type [./extract_files]
Options of cat:
  --fields a,b        only these fields, in this order [every field]
  --format FORMAT     tsv: values as Zeek prints them, no header (like zeek-cut);
                      json: one object per record, as Zeek's JSON writer;
                      csv: RFC 4180, with a header row                   [tsv]
  --header            tsv: print the field names first
  --lenient           skip malformed lines, print how many on stderr

Exit status: process: 0 when every hook succeeded, 1 otherwise; cat: 0;
both: 2 for a usage error or a malformed log (FILE:LINE says where).
`;

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    process.stdout.write(help);
    return 0;
  }
  if (sub === 'process') return processFolder(rest);
  if (sub === 'cat') return cat(rest);
  throw new UsageError(`unknown subcommand "${sub}": use \`broapt logs process\` or \`broapt logs cat\`; run \`broapt logs --help\`.`);
}

function report(outcome: HookOutcome): void {
  if (outcome.error !== undefined) {
    process.stderr.write(`${outcome.error.message}\n`);
    return;
  }
  const wrote = outcome.written.length === 0 ? 'nothing to write' : `wrote ${outcome.written.map(printable).join(', ')}`;
  process.stdout.write(`${outcome.hook}${outcome.phase === 'exit' ? ' (exit)' : ''}: ${wrote}\n`);
}

async function processFolder(args: string[]): Promise<number> {
  const { values, positionals } = parse('logs', args, {
    sites: { type: 'string' },
    'dump-path': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('give exactly one LOG_DIR (a folder of Zeek logs); run `broapt logs --help`.');
  const sites = values.sites ?? process.env.BROAPT_SITES;
  requireExisting(positionals, 'folder');
  const context: HookContext = { dumpPath: resolveSettings({ dumpPath: values['dump-path'] }).dumpPath };
  const loaded = sites === undefined ? { hooks: [], failures: [] } : await loadSites(sites);
  const hooks = [...BUILTIN_HOOKS, ...loaded.hooks];
  const outcomes = [...loaded.failures, ...(await runHooks(hooks, positionals[0] as string, context)), ...(await runExitHooks(hooks, context))];
  outcomes.forEach(report);
  return outcomes.every((o) => o.error === undefined) ? 0 : 1;
}

const FORMATS = ['tsv', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

/** Prints one record's fields in the output format. */
type Printer = (record: ZeekRecord) => string;

/** JSON logs carry no types: values print the way the TSV writer prints their JavaScript kind. */
const encodeJsonText = makeEncoder('\t,', ['-', '(empty)']);
function untyped(value: ZeekValue | undefined): string {
  if (value === null || value === undefined) return '-';
  if (value === '') return '(empty)';
  if (Array.isArray(value)) return value.length === 0 ? '(empty)' : value.map(untyped).join(',');
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  return typeof value === 'string' ? encodeJsonText(value) : String(value);
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The field texts of a record as Zeek prints them: with the header's types for TSV logs, by kind for JSON. */
function texts(fields: string[], types: string[] | undefined, reader: ReturnType<typeof readZeekLog>): (record: ZeekRecord) => string[] {
  if (types === undefined) return (record) => fields.map((name) => untyped(record[name]));
  const codecs = types.map((type) => codecFor(type, reader.header));
  return (record) => fields.map((name, i) => tsvText.get(record, name, record[name] ?? null) ?? codecs[i]!.format(record[name] ?? null));
}

function unknownFields(file: string, unknown: string[], available: string[]): UsageError {
  return new UsageError(
    `${file}: no field ${unknown.map((f) => `"${f}"`).join(', ')}; available: ${available.join(', ')}. Pick --fields from these.`,
    'E_UNKNOWN_FIELD',
  );
}

async function cat(args: string[]): Promise<number> {
  const { values, positionals } = parse('logs', args, {
    fields: { type: 'string' },
    format: { type: 'string', default: 'tsv' },
    header: { type: 'boolean' },
    lenient: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('give at least one FILE (a Zeek log); run `broapt logs --help`.');
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}".`);
  const wanted = values.fields?.split(',').map((f) => f.trim()).filter((f) => f !== '');
  requireExisting(positionals, 'file or folder');
  let out = '';
  const flush = async () => {
    if (out === '') return;
    const ok = process.stdout.write(out);
    out = '';
    if (!ok) await once(process.stdout, 'drain');
  };
  let skipped = 0;
  let headed = false;
  try {
    for (const file of positionals) skipped += await catOne(file);
  } finally {
    // The records read before a malformed line are printed before its error.
    await flush();
  }
  if (values.lenient && skipped > 0) process.stderr.write(`skipped ${skipped} malformed line(s)\n`);
  return 0;

  async function catOne(file: string): Promise<number> {
    const reader = readZeekLog(file, { lenient: values.lenient });
    let print: Printer | undefined;
    let printedFor: object | undefined;
    const seen = new Set<string>();
    for await (const record of reader) {
      const header = reader.header;
      // A TSV log may open a new header block (new fields) anywhere; JSON records each name their own.
      if (print === undefined || (reader.format === 'tsv' && printedFor !== header)) {
        printedFor = header;
        const available = reader.format === 'tsv' ? header.fields : Object.keys(record);
        if (wanted !== undefined && reader.format === 'tsv') {
          const unknown = wanted.filter((f) => !available.includes(f));
          if (unknown.length > 0) throw unknownFields(file, unknown, available);
        }
        const fields = wanted ?? available;
        const types = reader.format === 'tsv' ? fields.map((f) => header.types[header.fields.indexOf(f)] as string) : undefined;
        const text = texts(fields, types, reader);
        if ((format === 'csv' || (format === 'tsv' && values.header === true)) && !headed) {
          out += format === 'csv' ? `${fields.map(csvCell).join(',')}\r\n` : `${fields.join('\t')}\n`;
          headed = true;
        }
        print = {
          tsv: (r: ZeekRecord) => `${text(r).join('\t')}\n`,
          csv: (r: ZeekRecord) => `${text(r).map(csvCell).join(',')}\r\n`,
          // Without --fields the record itself is printed, so values keep their source text (Zeek 3's long doubles).
          json: (r: ZeekRecord) => `${formatJsonRecord(wanted === undefined ? r : Object.fromEntries(fields.map((f) => [f, r[f] ?? null])))}\n`,
        }[format];
      }
      if (reader.format === 'json' && wanted !== undefined) for (const key of Object.keys(record)) seen.add(key);
      out += print(record);
      if (out.length > 1 << 16) await flush();
    }
    await flush();
    // JSON leaves unset fields out, so a name is unknown only when no record of the file had it.
    if (reader.format === 'json' && wanted !== undefined && reader.stats.records > 0) {
      const unknown = wanted.filter((f) => !seen.has(f));
      if (unknown.length > 0) throw unknownFields(file, unknown, [...seen]);
    }
    return reader.stats.skipped;
  }
}
