import { isIP } from 'node:net';
import { decodeEscapes, makeEncoder } from './escape.ts';
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
}

interface Scalar {
  parse(text: string): ZeekValue;
  format(value: ZeekValue): string;
}

/** btest masks times as `XXXXXXXXXX.XXXXXX`; read as NaN and reprinted from the source text. */
const MASKED = /^X+(\.X+)?$/;
const DECIMAL = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

function integer(kind: string, pattern: RegExp, max?: number): Scalar {
  return {
    parse(text) {
      const n = Number(text);
      if (Number.isSafeInteger(n) && String(n) === text && (max === undefined || (n >= 0 && n <= max))) return n;
      if (!pattern.test(text)) throw new ValueError(`"${text}" is not a ${kind}`);
      const big = BigInt(text);
      if (max !== undefined && big > BigInt(max)) throw new ValueError(`"${text}" is out of range for a ${kind}`);
      return Number.isSafeInteger(Number(big)) ? Number(big) : big;
    },
    format: (value) => String(value),
  };
}

function real(kind: string, format: (n: number) => string, masked: boolean): Scalar {
  return {
    parse(text) {
      const n = Number(text);
      if (Number.isFinite(n) && format(n) === text) return n;
      if (DECIMAL.test(text)) return n;
      if (masked && MASKED.test(text)) return Number.NaN;
      throw new ValueError(`"${text}" is not a ${kind}`);
    },
    format: (value) => format(value as number),
  };
}

function text(kind: string, encode: (value: string) => string, valid?: (text: string) => boolean): Scalar {
  return {
    parse(raw) {
      const decoded = decodeEscapes(raw);
      if (valid !== undefined && !valid(decoded)) throw new ValueError(`"${raw}" is not an ${kind}`);
      return decoded;
    },
    format: (value) => encode(value as string),
  };
}

function isSubnet(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const bits = value.slice(slash + 1);
  const family = isIP(value.slice(0, slash));
  return slash > 0 && /^\d{1,3}$/.test(bits) && family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function scalar(type: string, encode: (value: string) => string, masked: boolean): Scalar {
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
      };
    case 'addr':
      return text('address', encode, (value) => isIP(value) !== 0);
    case 'subnet':
      return text('subnet', encode, isSubnet);
    default:
      // string, enum, pattern, func…: Zeek prints them as escaped text.
      return text(type, encode);
  }
}

const CONTAINER = /^(set|vector|table)\[(.+)\]$/;

/** The codec for a `#types` entry; `masked` accepts btest's `XXXX` times (only in btest baselines). */
export function codecFor(type: string, header: ZeekHeader, masked = false): Codec {
  const { unsetField, emptyField, setSeparator, separator } = header;
  const reserved = [unsetField, emptyField];
  const container = CONTAINER.exec(type);
  if (container === null) {
    const one = scalar(type, makeEncoder(separator, reserved), masked);
    const stringy = !['time', 'interval', 'double', 'count', 'int', 'port', 'bool'].includes(type);
    return {
      parse(raw) {
        if (raw === unsetField) return null;
        if (raw === emptyField && stringy) return '';
        return one.parse(raw);
      },
      format(value) {
        if (value === null || value === undefined) return unsetField;
        if (value === '' && stringy) return emptyField;
        return one.format(value);
      },
    };
  }
  const element = scalar(container[2] as string, makeEncoder(separator + setSeparator, reserved), masked);
  return {
    parse(raw) {
      if (raw === unsetField) return null;
      if (raw === emptyField) return [];
      return raw.split(setSeparator).map((item) => (item === unsetField ? null : element.parse(item)));
    },
    format(value) {
      if (value === null || value === undefined) return unsetField;
      if (!Array.isArray(value)) throw new ValueError(`a ${type} value must be an array, not ${typeof value}`);
      if (value.length === 0) return emptyField;
      return value.map((item) => (item === null ? unsetField : element.format(item))).join(setSeparator);
    },
  };
}
