import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultHeader } from '../zeek/header.ts';
import { ZeekTsvWriter } from '../zeek/tsv-writer.ts';
import type { ZeekRecord } from '../zeek/values.ts';

/** Zeek 3's files.log columns, so tools that read Zeek's files.log read ours. */
const FIELDS: Array<[string, string]> = [
  ['ts', 'time'],
  ['fuid', 'string'],
  ['tx_hosts', 'set[addr]'],
  ['rx_hosts', 'set[addr]'],
  ['conn_uids', 'set[string]'],
  ['source', 'string'],
  ['depth', 'count'],
  ['analyzers', 'set[string]'],
  ['mime_type', 'string'],
  ['filename', 'string'],
  ['duration', 'interval'],
  ['local_orig', 'bool'],
  ['is_orig', 'bool'],
  ['seen_bytes', 'count'],
  ['total_bytes', 'count'],
  ['missing_bytes', 'count'],
  ['overflow_bytes', 'count'],
  ['timedout', 'bool'],
  ['parent_fuid', 'string'],
  ['md5', 'string'],
  ['sha1', 'string'],
  ['sha256', 'string'],
  ['extracted', 'string'],
  ['extracted_cutoff', 'bool'],
  ['extracted_size', 'count'],
];

/** Zeek's `#open`/`#close` stamp, local time. */
function stamp(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}-${pad(date.getHours())}-${pad(date.getMinutes())}-${pad(date.getSeconds())}`;
}

/**
 * Collects one PCAP's files.log records and writes the log once, complete: a
 * reader never sees a log without its `#close`.
 */
export class FilesLog {
  readonly #records: ZeekRecord[] = [];
  readonly #opened = new Date();

  add(record: ZeekRecord): void {
    this.#records.push(record);
  }

  async write(dir: string): Promise<void> {
    let text = '';
    const writer = new ZeekTsvWriter({ write: (chunk: string) => (text += chunk) });
    writer.writeHeader({
      ...defaultHeader(),
      path: 'files',
      open: stamp(this.#opened),
      fields: FIELDS.map(([name]) => name),
      types: FIELDS.map(([, type]) => type),
    });
    for (const record of this.#records) writer.writeRecord(record);
    writer.writeClose(stamp(new Date()));
    const file = path.join(dir, 'files.log');
    await writeFile(`${file}.part`, text);
    await rename(`${file}.part`, file);
  }
}
