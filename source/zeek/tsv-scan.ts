import { ipv4End, isAddressChar, isDigit, isPlainIPv6 } from './address.ts';
import type { ZeekHeader } from './header.ts';
import type { ZeekValue } from './values.ts';

/**
 * Fast readers for the spellings Zeek itself prints, scanned straight from the
 * chunk of text that holds the line (no substring until a value needs one).
 * Each reads a value only when its text is exactly what the codec would print
 * for it; for anything else (escapes, odd number forms, bad values) it sets
 * cursor.end to NONE, and the field goes to the codec, which parses it, keeps
 * its text or names the error. (A position, not a sentinel value, says so:
 * comparing small ints keeps the per-field loop free of generic equality.)
 */
export const NONE = -1;

/** Value kinds with a fast reader (small ints, so `scan` switches on one tag); the column's codec reads every other kind. */
export const Kind = {
  /** time and interval: Zeek prints six decimals. */
  Fixed6: 0,
  Count: 1,
  Port: 2,
  Bool: 3,
  Address: 4,
  /** string, enum and the other kinds Zeek prints as escaped text. */
  Text: 5,
  Other: 6,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

const NOT_FAST = new Set(['double', 'int', 'subnet']);

export function kindOf(type: string): Kind {
  switch (type) {
    case 'time':
    case 'interval':
      return Kind.Fixed6;
    case 'count':
      return Kind.Count;
    case 'port':
      return Kind.Port;
    case 'bool':
      return Kind.Bool;
    case 'addr':
      return Kind.Address;
    default:
      return NOT_FAST.has(type) ? Kind.Other : Kind.Text;
  }
}

/** Where the last scan stopped: the first character past the value (the caller checks a separator is there), or NONE. */
export const cursor = { end: 0 };

/**
 * The one-character marks of a header block, as char codes. The scanners stop
 * at any control character, so the separator must be one (Zeek's is a tab).
 */
export interface Marks {
  separator: number;
  setSeparator: number;
  unset: number;
  empty: string;
}

/** The marks of a header the scanners can read, or undefined: its fields then all go to the codecs. */
export function marksOf(header: ZeekHeader): Marks | undefined {
  const { separator, setSeparator, unsetField, emptyField } = header;
  if (separator.length !== 1 || separator.charCodeAt(0) >= 32 || setSeparator.length !== 1 || unsetField.length !== 1) return undefined;
  return { separator: separator.charCodeAt(0), setSeparator: setSeparator.charCodeAt(0), unset: unsetField.charCodeAt(0), empty: emptyField };
}

/** The value starting at `from`, read no further than `limit`; cursor.end tells where it stopped. */
export function scan(kind: Kind, text: string, from: number, limit: number): ZeekValue {
  switch (kind) {
    case Kind.Fixed6:
      return fixed6(text, from, limit);
    case Kind.Count:
      return digits(text, from, limit, Number.MAX_SAFE_INTEGER);
    case Kind.Port:
      return digits(text, from, limit, 65535);
    case Kind.Bool: {
      cursor.end = from + 1;
      const code = from < limit ? text.charCodeAt(from) : 0;
      if (code !== 84 && code !== 70) cursor.end = NONE;
      return code === 84;
    }
    case Kind.Address:
      return address(text, from, limit);
    case Kind.Text:
      return plainText(text, from, limit);
    default:
      cursor.end = NONE;
      return null;
  }
}

/**
 * A container's elements, read up to the separator that ends the field.
 * An element spelled as the empty marker reads as that text, which only the
 * codec keeps (to write it back), so it is passed on like any odd element.
 */
export function list(kind: Kind, marks: Marks, text: string, from: number, limit: number): ZeekValue {
  let end = from;
  while (end < limit && text.charCodeAt(end) !== marks.separator) end++;
  if (end - from === marks.empty.length && text.startsWith(marks.empty, from)) {
    cursor.end = end;
    return [];
  }
  const items: ZeekValue[] = [];
  for (let start = from; ; ) {
    let stop = start;
    while (stop < end && text.charCodeAt(stop) !== marks.setSeparator) stop++;
    if (stop - start === 1 && text.charCodeAt(start) === marks.unset) items.push(null);
    else {
      const item = scan(kind, text, start, stop);
      if (cursor.end !== stop || isMark(item, marks.empty)) return none();
      items.push(item);
    }
    if (stop === end) break;
    start = stop + 1;
  }
  cursor.end = end;
  return items;
}

/** Whether a value read is the text of a marker (which the codec reads as the marker instead). */
export function isMark(value: ZeekValue, mark: string): boolean {
  return typeof value === 'string' && value.length === mark.length && value === mark;
}

function none(): null {
  cursor.end = NONE;
  return null;
}

/**
 * `digits.dddddd` below 2^32 seconds. The value is (digits·10⁶ + dddddd) / 10⁶:
 * both operands are exact, so the one rounding gives what Number(text) gives;
 * and below 2^32 a double's spacing is under 10⁻⁶, so toFixed(6) prints the
 * text back: exactness follows from the form, with no formatting.
 */
function fixed6(text: string, from: number, limit: number): ZeekValue {
  const whole = digitRun(text, from, limit);
  const point = cursor.end;
  if (point === from || point + 7 > limit || text.charCodeAt(point) !== 46 || whole >= 4294967296) return none();
  if (text.charCodeAt(from) === 48 && point - from > 1) return none();
  const micros = digitRun(text, point + 1, point + 7);
  if (cursor.end !== point + 7) return none();
  return (whole * 1e6 + micros) / 1e6;
}

/** A count without sign or leading zero, short enough (15 digits) to be a safe integer String() prints back. */
function digits(text: string, from: number, limit: number, max: number): ZeekValue {
  const n = digitRun(text, from, limit);
  const length = cursor.end - from;
  if (length === 0 || length > 15 || (length > 1 && text.charCodeAt(from) === 48) || n > max) return none();
  return n;
}

/** The number the digits from `from` spell (cursor.end: the first non-digit). */
function digitRun(text: string, from: number, limit: number): number {
  let n = 0;
  let end = from;
  for (; end < limit; end++) {
    const code = text.charCodeAt(end);
    if (!isDigit(code)) break;
    n = n * 10 + code - 48;
  }
  cursor.end = end;
  return n;
}

function address(text: string, from: number, limit: number): ZeekValue {
  let end = ipv4End(text, from, limit);
  // Not a dotted quad, or only the start of an IPv6 address (`1.2.3.4` may begin `1.2.3.4::`…, `10:…` surely does).
  if (end === -1 || (end < limit && isAddressChar(text.charCodeAt(end)))) {
    end = from;
    while (end < limit && isAddressChar(text.charCodeAt(end))) end++;
    if (!isPlainIPv6(text, from, end)) return none();
  }
  cursor.end = end;
  return text.slice(from, end);
}

/**
 * Text Zeek would print as it is, up to the first control character (the
 * separator, Zeek escapes the others): stopping at a backslash (an escape to
 * decode) or DEL leaves the caller short of a separator, so it asks the codec.
 */
function plainText(text: string, from: number, limit: number): ZeekValue {
  let end = from;
  for (; end < limit; end++) {
    const code = text.charCodeAt(end);
    if (code < 32 || code === 92 || code === 127) break;
  }
  cursor.end = end;
  return text.slice(from, end);
}
