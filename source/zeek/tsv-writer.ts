import type { ZeekEntry } from './entry.ts';
import { applyDirective, defaultHeader, formatDirective, headerDirectives, type ZeekDirective, type ZeekHeader } from './header.ts';
import { codecFor, type Codec, type ZeekRecord } from './values.ts';
import { tsvText } from './verbatim.ts';

/** Where a writer sends its text: a Writable, or anything else with write(). */
export interface TextSink {
  write(chunk: string): unknown;
}

/**
 * Writes Zeek TSV. It follows the header the same way the reader does, so
 * passing it every entry of a reader reproduces the file byte for byte; a
 * record built by hand is printed the way Zeek prints it.
 */
export class ZeekTsvWriter {
  header: ZeekHeader = defaultHeader();
  readonly #sink: TextSink;
  #codecs: Codec[] | undefined;

  constructor(sink: TextSink) {
    this.#sink = sink;
  }

  write(entry: ZeekEntry): void {
    if (entry.kind === 'record') this.writeRecord(entry.record);
    else if (entry.kind === 'directive') this.writeDirective(entry);
    else this.writeComment(entry.text);
  }

  /** Starts a block: `#separator` through `#types`. */
  writeHeader(header: ZeekHeader): void {
    for (const directive of headerDirectives(header)) this.writeDirective(directive);
  }

  writeDirective(directive: ZeekDirective): void {
    this.header = applyDirective(this.header, directive);
    this.#codecs = undefined;
    this.#sink.write(`${formatDirective(directive, this.header.separator)}\n`);
  }

  writeComment(text: string): void {
    this.#sink.write(`${text}\n`);
  }

  /** Fields missing from the record are written unset. */
  writeRecord(record: ZeekRecord): void {
    const { fields, types, separator } = this.header;
    const codecs = (this.#codecs ??= types.map((type) => codecFor(type, this.header)));
    const cells = fields.map((name, i) => tsvText.get(record, name, record[name] ?? null) ?? (codecs[i] as Codec).format(record[name]));
    this.#sink.write(`${cells.join(separator)}\n`);
  }

  /** Ends the block, as Zeek does when it rotates or closes the log. */
  writeClose(close: string): void {
    this.writeDirective({ name: 'close', value: close });
  }
}
