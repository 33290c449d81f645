import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zeekStamp } from '../report/logs.ts';
import { defaultHeader } from '../zeek/header.ts';
import { ZeekTsvWriter } from '../zeek/tsv-writer.ts';
import type { ZeekRecord } from '../zeek/values.ts';

/** Zeek 3's files.log columns, so tools that read Zeek's files.log read ours. */
const FIELDS: ReadonlyArray<readonly [string, string]> = [
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

/**
 * Collects one PCAP's records of a Zeek log (files.log, http.log) and writes
 * the log once, complete: a reader never sees a log without its `#close`.
 */
export class WholeLog {
  readonly #records: ZeekRecord[] = [];
  readonly #opened = new Date();
  readonly #path: string;
  readonly #fields: ReadonlyArray<readonly [string, string]>;

  constructor(logPath: string, fields: ReadonlyArray<readonly [string, string]>) {
    this.#path = logPath;
    this.#fields = fields;
  }

  add(record: ZeekRecord): void {
    this.#records.push(record);
  }

  async write(dir: string): Promise<void> {
    let text = '';
    const writer = new ZeekTsvWriter({ write: (chunk: string) => (text += chunk) });
    writer.writeHeader({
      ...defaultHeader(),
      path: this.#path,
      open: zeekStamp(this.#opened),
      fields: this.#fields.map(([name]) => name),
      types: this.#fields.map(([, type]) => type),
    });
    for (const record of this.#records) writer.writeRecord(record);
    writer.writeClose(zeekStamp(new Date()));
    const file = path.join(dir, `${this.#path}.log`);
    await writeFile(`${file}.part`, text);
    await rename(`${file}.part`, file);
  }
}

/** One PCAP's files.log. */
export function filesLog(): WholeLog {
  return new WholeLog('files', FIELDS);
}
