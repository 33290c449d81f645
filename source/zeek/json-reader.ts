import type { ZeekEntry } from './entry.ts';
import { ZeekLogError } from './error.ts';
import { canonicalKeys } from './json-scan.ts';
import type { ZeekRecord } from './values.ts';
import { jsonText } from './verbatim.ts';

/** What Zeek's `LogAscii::json_timestamps = JSON::TS_ISO8601` (and json-streaming-logs) write. */
const ISO_TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/;
/** btest's masked `XXXXXXXXXX.XXXXXX` numbers, which make its baselines invalid JSON. */
const MASKED_NUMBER = /([:,[])(X+(?:\.X+)?)(?=[,\]}])/g;
const MASK_MARK = '\u0000';
/** A string value that may be an ISO-8601 time, which the reader turns into seconds. */
const MAYBE_ISO_TIME = /"\d{4}-\d\d-\d\dT/;

type Reviver = (this: object, key: string, value: unknown, context?: { source?: string }) => unknown;
const parseJson = JSON.parse as (text: string, reviver: Reviver) => unknown;

/** Seconds since the epoch, computed from the decimal text so microseconds match the TSV rendering exactly. */
function isoSeconds(value: string): number | undefined {
  const match = ISO_TIME.exec(value);
  if (match === null) return undefined;
  const whole = Date.parse(`${match[1]}Z`) / 1000;
  return Number.isNaN(whole) ? undefined : Number(`${whole}.${match[2] ?? '0'}`);
}

/** Turns the lines of a Zeek JSON log (one object per line) into entries. */
export class JsonLineReader {
  readonly #file: string;
  readonly #masked: boolean;
  readonly #revive: Reviver;

  /** `masked` accepts btest's `XXXX` numbers: set only for btest baselines. */
  constructor(file: string, masked: boolean) {
    this.#file = file;
    this.#masked = masked;
    this.#revive = function (key, value, context) {
      // Only primitives carry their source text; containers are rebuilt from their elements.
      const source = context?.source;
      if (source === undefined) return value;
      if (typeof value === 'number') {
        if (String(value) !== source) jsonText.keep(this, key, source, value);
        return value;
      }
      if (typeof value !== 'string') return value;
      if (masked && value.startsWith(MASK_MARK)) {
        jsonText.keep(this, key, value.slice(1), Number.NaN);
        return Number.NaN;
      }
      const seconds = isoSeconds(value);
      if (seconds !== undefined) {
        jsonText.keep(this, key, source, seconds);
        return seconds;
      }
      if (JSON.stringify(value) !== source) jsonText.keep(this, key, source, value);
      return value;
    };
  }

  read(text: string, line: number): ZeekEntry {
    if (text.startsWith('#')) return { kind: 'comment', line, text };
    return { kind: 'record', line, record: this.record(text, 0, text.length, line) };
  }

  /** The record on `text` from `start` to `end` (a line of a larger chunk, whose bytes are `bytes` when it is all ASCII). */
  record(chunk: string, start: number, end: number, line: number, bytes?: Uint8Array): ZeekRecord {
    const text = chunk.slice(start, end);
    let parsed: unknown;
    // Most lines are canonical JSON (what JSON.stringify prints for what they hold) with no ISO times: a plain
    // parse reads them exactly, several times faster than a reviver, which V8 runs once per value. A scan of the
    // bytes tells most such lines; for the others, printing the parsed object again tells.
    if (!this.#masked) {
      const own = bytes === undefined ? Buffer.from(text) : undefined;
      const keys = own === undefined ? canonicalKeys(bytes as Uint8Array, start, end) : canonicalKeys(own, 0, own.length);
      if (keys !== -1 || !MAYBE_ISO_TIME.test(text)) {
        try {
          parsed = JSON.parse(text);
        } catch {
          // The reviver parse below reports the error.
        }
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          if (keys !== -1 ? Object.keys(parsed).length === keys : JSON.stringify(parsed) === text) return parsed as ZeekRecord;
        }
      }
    }
    try {
      parsed = parseJson(this.#masked ? text.replace(MASKED_NUMBER, '$1"\\u0000$2"') : text, this.#revive);
    } catch (error) {
      throw new ZeekLogError(this.#file, line, `not valid JSON (${(error as Error).message}); the line is truncated or damaged (use lenient to skip it)`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ZeekLogError(this.#file, line, 'a JSON log line must be one object ({"ts":…}), not a bare value or array');
    }
    return parsed as ZeekRecord;
  }
}
