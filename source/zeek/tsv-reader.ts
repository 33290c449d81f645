import type { ZeekEntry } from './entry.ts';
import { ZeekLogError } from './error.ts';
import { EscapeError } from './escape.ts';
import { applyDirective, defaultHeader, parseDirective, type ZeekHeader } from './header.ts';
import { recordBuilder, type RecordBuilder } from './record-shape.ts';
import { cursor, isMark, Kind, kindOf, list, marksOf, NONE, scan, type Marks } from './tsv-scan.ts';
import { codecFor, elementType, hasEmptyText, ValueError, type Codec, type ZeekRecord, type ZeekValue } from './values.ts';
import { tsvText } from './verbatim.ts';

/** What `#empty_field` reads as in a column. */
const EMPTY_NONE = 0;
const EMPTY_TEXT = 1;
const EMPTY_LIST = 2;

/** One header block's columns, in parallel arrays so the per-field loop reads small ints rather than objects. */
interface Layout {
  names: string[];
  types: string[];
  codecs: Codec[];
  /** The fast reader's kind: of the value, or of each element for a container. */
  kinds: Kind[];
  /** Undefined when the header's marks are ones the scanners cannot read. */
  marks: Marks | undefined;
  containers: boolean[];
  empties: number[];
  build: RecordBuilder;
  /** Reused for every record: the builder copies them out. */
  values: ZeekValue[];
}

/** Turns the lines of a Zeek TSV log into entries, tracking the header block in force. */
export class TsvLineReader {
  header: ZeekHeader = defaultHeader();
  readonly #file: string;
  #layout: Layout | undefined;
  /** The fields of the record being read whose text the codec would print otherwise. */
  #kept: Array<[number, string]> | undefined;
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
      this.#layout = undefined;
      return { kind: 'directive', line, ...directive };
    }
    return { kind: 'record', line, record: this.record(text, 0, text.length, line) };
  }

  /** The record on `text` from `start` to `end` (a line of a larger chunk, read where it lies). */
  record(text: string, start: number, end: number, line: number): ZeekRecord {
    const layout = (this.#layout ??= this.#compile(line));
    const { values, kinds, containers, empties, marks } = layout;
    const last = values.length - 1;
    const step = this.header.separator.length;
    let from = start;
    for (let i = 0; i <= last; i++) {
      let value: ZeekValue = null;
      let to = NONE;
      if (marks !== undefined) {
        if (text.charCodeAt(from) === marks.unset && (from + 1 === end || text.charCodeAt(from + 1) === marks.separator)) to = from + 1;
        else {
          value = containers[i] ? list(kinds[i] as Kind, marks, text, from, end) : scan(kinds[i] as Kind, text, from, end);
          to = cursor.end;
        }
        // The value must end where its field does: at the separator, or at the line's end after the last field.
        if (to === NONE || (to === end ? i !== last : i === last || text.charCodeAt(to) !== marks.separator)) to = NONE;
        else if (empties[i] === EMPTY_TEXT && isMark(value, marks.empty)) value = '';
      }
      if (to === NONE) {
        to = this.#end(i, text, from, start, end, line);
        value = this.#field(i, text.slice(from, to), text.slice(start, end), line);
      }
      values[i] = value;
      from = to + step;
    }
    const record = layout.build(values);
    const kept = this.#kept;
    if (kept !== undefined) {
      this.#kept = undefined;
      for (const [i, cell] of kept) tsvText.keep(record, layout.names[i] as string, cell, values[i] as ZeekValue);
    }
    return record;
  }

  /** Where field `i` starting at `from` ends, found the long way; throws when the line has too few or too many fields. */
  #end(i: number, text: string, from: number, start: number, end: number, line: number): number {
    const last = (this.#layout as Layout).names.length - 1;
    const to = text.indexOf(this.header.separator, from);
    if (i === last ? to !== -1 && to < end : to === -1 || to > end) throw this.#fieldCount(text.slice(start, end), line);
    return i === last ? end : to;
  }

  /** A field the scanners passed on, read with the markers and the codec; a text the codec would print otherwise is kept. */
  #field(i: number, cell: string, text: string, line: number): ZeekValue {
    const { unsetField, emptyField } = this.header;
    const layout = this.#layout as Layout;
    if (cell === unsetField) return null;
    if (cell === emptyField && layout.empties[i] !== EMPTY_NONE) return layout.empties[i] === EMPTY_TEXT ? '' : [];
    const value = this.#parse(i, cell, text, line);
    if (!(layout.codecs[i] as Codec).exact()) (this.#kept ??= []).push([i, cell]);
    return value;
  }

  /** The codec's reading of a field the fast readers passed on; its errors name the field. */
  #parse(i: number, cell: string, text: string, line: number): ZeekValue {
    const layout = this.#layout as Layout;
    try {
      return (layout.codecs[i] as Codec).parse(cell);
    } catch (error) {
      if (!(error instanceof ValueError || error instanceof EscapeError)) throw error;
      // A line with the wrong number of fields is reported as that, whatever its values.
      if (text.split(this.header.separator).length !== layout.names.length) throw this.#fieldCount(text, line);
      throw new ZeekLogError(this.#file, line, `field ${layout.names[i]} (${layout.types[i]}): ${error.message}; fix the value or use lenient to skip the line`);
    }
  }

  #fieldCount(text: string, line: number): ZeekLogError {
    const cells = text.split(this.header.separator).length;
    return new ZeekLogError(
      this.#file,
      line,
      `the line has ${cells} fields but #fields names ${this.#layout?.names.length}; the line is truncated or not written with this header (use lenient to skip such lines)`,
    );
  }

  #compile(line: number): Layout {
    const { fields, types } = this.header;
    if (fields.length === 0) {
      throw new ZeekLogError(this.#file, line, 'a record comes before any #fields header; a Zeek TSV log starts with #separator … #fields … #types');
    }
    if (fields.length !== types.length) {
      throw new ZeekLogError(this.#file, line, `#fields names ${fields.length} fields but #types has ${types.length}; the header is damaged`);
    }
    const marks = marksOf(this.header);
    const elements = types.map(elementType);
    return {
      names: fields,
      types,
      codecs: types.map((type) => codecFor(type, this.header, this.#masked)),
      kinds: types.map((type, i) => kindOf(elements[i] ?? type)),
      marks,
      containers: elements.map((element) => element !== undefined),
      empties: types.map((type, i) => (elements[i] !== undefined ? EMPTY_LIST : hasEmptyText(type) ? EMPTY_TEXT : EMPTY_NONE)),
      build: recordBuilder(fields),
      values: fields.map(() => null),
    };
  }
}
