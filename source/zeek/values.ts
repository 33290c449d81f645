import { isIP, isIPv6 } from 'node:net';
import { isIPv4 } from './address.ts';
import { decodeEscapes, makeEscaper, type Escaper } from './escape.ts';
import type { ZeekHeader } from './header.ts';

/**
 * A typed Zeek value. time, interval and double are numbers (seconds for
 * time and interval); count, int and port are numbers, or bigints past 2^53;
 * bool is a boolean; addr, subnet, enum and string are strings; set, table and
 * vector are arrays. null is unset (`-`).
 */
export type ZeekValue = null | boolean | number | bigint | string | ZeekValue[];

export type ZeekRecord = { [field: string]: ZeekValue };

/** A field text that does not parse as its type. */
export class ValueError extends Error {}

/** Parses and prints one column's values, given its `#types` entry and the header's separators. */
export interface Codec {
  parse(text: string): ZeekValue;
  format(value: ZeekValue | undefined): string;
  /**
   * Whether the text the last `parse` read is what `format` prints for its
   * value. A reader keeps the other texts to write them back byte for byte;
   * asking this spares formatting every value a second time.
   */
  exact(): boolean;
}

interface Scalar {
  parse(text: string): ZeekValue;
  format(value: ZeekValue): string;
  /** As Codec.exact, for the last `parse`. */
  exact(): boolean;
}

/** btest masks times as `XXXXXXXXXX.XXXXXX`; read as NaN and reprinted from the source text. */
const MASKED = /^X+(\.X+)?$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function integer(kind: string, pattern: RegExp, max?: number): Scalar {
  let exact = true;
  return {
    parse(text) {
      const n = Number(text);
      exact = Number.isSafeInteger(n) && String(n) === text;
      if (exact && (max === undefined || (n >= 0 && n <= max))) return n;
      if (!pattern.test(text)) throw new ValueError(`"${text}" is not a ${kind}`);
      const big = BigInt(text);
      if (max !== undefined && big > BigInt(max)) throw new ValueError(`"${text}" is out of range for a ${kind}`);
      const value = Number.isSafeInteger(Number(big)) ? Number(big) : big;
      exact = String(value) === text;
      return value;
    },
    format: (value) => String(value),
    exact: () => exact,
  };
}

function real(kind: string, format: (n: number) => string, masked: boolean): Scalar {
  let exact = true;
  return {
    parse(text) {
      const n = Number(text);
      exact = Number.isFinite(n) && format(n) === text;
      if (exact || DECIMAL.test(text)) return n;
      if (masked && MASKED.test(text)) return Number.NaN;
      throw new ValueError(`"${text}" is not a ${kind}`);
    },
    format: (value) => format(value as number),
    exact: () => exact,
  };
}

function text(kind: string, escaper: Escaper, valid?: (text: string) => boolean): Scalar {
  let exact = true;
  return {
    parse(raw) {
      const decoded = decodeEscapes(raw);
      if (valid !== undefined && !valid(decoded)) throw new ValueError(`"${raw}" is not an ${kind}`);
      exact = decoded === raw ? escaper.plain(raw) : escaper.encode(decoded) === raw;
      return decoded;
    },
    format: (value) => escaper.encode(value as string),
    exact: () => exact,
  };
}

function isAddress(value: string): boolean {
  return isIPv4(value) || isIPv6(value);
}

function isSubnet(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const bits = value.slice(slash + 1);
  const family = isIP(value.slice(0, slash));
  return slash > 0 && /^\d{1,3}$/.test(bits) && family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function scalar(type: string, escaper: Escaper, masked: boolean): Scalar {
  switch (type) {
    case 'time':
    case 'interval':
      // Zeek prints times and intervals with exactly six decimals.
      return real(type, (n) => n.toFixed(6), masked);
    case 'double':
      return real(type, String, masked);
    case 'count':
      return integer(type, /^\d+$/);
    case 'int':
      return integer(type, /^-?\d+$/);
    case 'port':
      return integer(type, /^\d+$/, 65535);
    case 'bool':
      return {
        parse(raw) {
          if (raw === 'T' || raw === 'F') return raw === 'T';
          throw new ValueError(`"${raw}" is not a bool (T or F)`);
        },
        format: (value) => (value ? 'T' : 'F'),
        exact: () => true,
      };
    case 'addr':
      return text('address', escaper, isAddress);
    case 'subnet':
      return text('subnet', escaper, isSubnet);
    default:
      // string, enum, pattern, func…: Zeek prints them as escaped text.
      return text(type, escaper);
  }
}

const CONTAINER = /^(set|vector|table)\[(.+)\]$/;

/** The element type of a `set[…]`, `vector[…]` or `table[…]` type; undefined for a scalar type. */
export function elementType(type: string): string | undefined {
  return CONTAINER.exec(type)?.[2];
}

/** Whether `#empty_field` stands for a value of this scalar type (the empty string); numbers and bools have no empty form. */
export function hasEmptyText(type: string): boolean {
  return !['time', 'interval', 'double', 'count', 'int', 'port', 'bool'].includes(type);
}

/** The codec for a `#types` entry; `masked` accepts btest's `XXXX` times (only in btest baselines). */
export function codecFor(type: string, header: ZeekHeader, masked = false): Codec {
  const { unsetField, emptyField, setSeparator, separator } = header;
  const reserved = [unsetField, emptyField];
  const element = elementType(type);
  if (element === undefined) {
    const one = scalar(type, makeEscaper(separator, reserved), masked);
    const stringy = hasEmptyText(type);
    let marker = false;
    return {
      parse(raw) {
        marker = raw === unsetField || (raw === emptyField && stringy);
        if (marker) return raw === unsetField ? null : '';
        return one.parse(raw);
      },
      exact: () => marker || one.exact(),
      format(value) {
        if (value === null || value === undefined) return unsetField;
        if (value === '' && stringy) return emptyField;
        return one.format(value);
      },
    };
  }
  const item = scalar(element, makeEscaper(separator + setSeparator, reserved), masked);
  let exact = true;
  return {
    parse(raw) {
      exact = true;
      if (raw === unsetField) return null;
      if (raw === emptyField) return [];
      return raw.split(setSeparator).map((text) => {
        if (text === unsetField) return null;
        const value = item.parse(text);
        exact &&= item.exact();
        return value;
      });
    },
    exact: () => exact,
    format(value) {
      if (value === null || value === undefined) return unsetField;
      if (!Array.isArray(value)) throw new ValueError(`a ${type} value must be an array, not ${typeof value}`);
      if (value.length === 0) return emptyField;
      return value.map((one) => (one === null ? unsetField : item.format(one))).join(setSeparator);
    },
  };
}
