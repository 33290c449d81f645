import type { ZeekEntry } from './entry.ts';
import { ZeekLogError } from './error.ts';
import { EscapeError } from './escape.ts';
import { applyDirective, defaultHeader, parseDirective, type ZeekHeader } from './header.ts';
import { codecFor, ValueError, type Codec, type ZeekRecord } from './values.ts';
import { tsvText } from './verbatim.ts';

interface Column {
  name: string;
  type: string;
  codec: Codec;
}

/** Turns the lines of a Zeek TSV log into entries, tracking the header block in force. */
export class TsvLineReader {
  header: ZeekHeader = defaultHeader();
  readonly #file: string;
  #columns: Column[] | undefined;
  /** Every field set to null: copying it gives each record the same shape up front, which V8 fills far faster than adding keys one by one. */
  #template: ZeekRecord = {};
  readonly #masked: boolean;

  /** `masked` accepts btest's `XXXX` times: set only for btest baselines. */
  constructor(file: string, masked: boolean) {
    this.#file = file;
    this.#masked = masked;
  }

  read(text: string, line: number): ZeekEntry {
    if (text.startsWith('#')) {
      const directive = parseDirective(text, this.header.separator);
      if (directive === undefined) return { kind: 'comment', line, text };
      this.header = applyDirective(this.header, directive);
      this.#columns = undefined;
      return { kind: 'directive', line, ...directive };
    }
    return { kind: 'record', line, record: this.#record(text, line) };
  }

  #record(text: string, line: number): ZeekRecord {
    const columns = (this.#columns ??= this.#compile(line));
    const cells = text.split(this.header.separator);
    if (cells.length !== columns.length) {
      throw new ZeekLogError(
        this.#file,
        line,
        `the line has ${cells.length} fields but #fields names ${columns.length}; the line is truncated or not written with this header (use lenient to skip such lines)`,
      );
    }
    const record: ZeekRecord = { ...this.#template };
    for (let i = 0; i < columns.length; i++) {
      const { name, type, codec } = columns[i] as Column;
      const cell = cells[i] as string;
      let value;
      try {
        value = codec.parse(cell);
      } catch (error) {
        if (!(error instanceof ValueError || error instanceof EscapeError)) throw error;
        throw new ZeekLogError(this.#file, line, `field ${name} (${type}): ${error.message}; fix the value or use lenient to skip the line`);
      }
      record[name] = value;
      if (!codec.exact()) tsvText.keep(record, name, cell, value);
    }
    return record;
  }

  #compile(line: number): Column[] {
    const { fields, types } = this.header;
    if (fields.length === 0) {
      throw new ZeekLogError(this.#file, line, 'a record comes before any #fields header; a Zeek TSV log starts with #separator … #fields … #types');
    }
    if (fields.length !== types.length) {
      throw new ZeekLogError(this.#file, line, `#fields names ${fields.length} fields but #types has ${types.length}; the header is damaged`);
    }
    this.#template = Object.fromEntries(fields.map((name) => [name, null]));
    return fields.map((name, i) => ({ name, type: types[i] as string, codec: codecFor(types[i] as string, this.header, this.#masked) }));
  }
}
