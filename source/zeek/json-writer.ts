import type { ZeekEntry } from './entry.ts';
import type { TextSink } from './tsv-writer.ts';
import type { ZeekRecord, ZeekValue } from './values.ts';
import { jsonText } from './verbatim.ts';

function formatValue(holder: object, key: string, value: ZeekValue): string {
  const kept = jsonText.get(holder, key, value);
  if (kept !== undefined) return kept;
  if (Array.isArray(value)) return `[${value.map((item, i) => formatValue(value, String(i), item)).join(',')}]`;
  return typeof value === 'bigint' ? String(value) : JSON.stringify(value);
}

/** One line of Zeek JSON: keys in the record's order, unset (null) fields left out as Zeek does. */
export function formatJsonRecord(record: ZeekRecord): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (value !== null) parts.push(`${JSON.stringify(key)}:${formatValue(record, key, value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Writes Zeek JSON lines; `#` header entries have no JSON form and are dropped, comments are kept. */
export class ZeekJsonWriter {
  readonly #sink: TextSink;

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  write(entry: ZeekEntry): void {
    if (entry.kind === 'record') this.writeRecord(entry.record);
    else if (entry.kind === 'comment') this.#sink.write(`${entry.text}\n`);
  }

  writeRecord(record: ZeekRecord): void {
    this.#sink.write(`${formatJsonRecord(record)}\n`);
  }
}
