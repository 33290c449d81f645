/**
 * Stream filters a hostile PDF uses to hide its keywords: Flate (also
 * truncated or corrupt), ASCIIHex, ASCII85, LZW and RunLength, chained in
 * the order /Filter lists them. Every decode draws on one byte budget for the
 * whole file, so a bomb costs at most the budget.
 */
import zlib from 'node:zlib';

export interface Budget {
  /** Bytes still allowed to be produced by decoding, for the whole file. */
  left: number;
  /** Streams that hit the budget or inflated at a bomb's ratio. */
  bombs: Array<{ object: string; inputBytes: number; outputBytes: number }>;
}

/** The most one stream may inflate to: beyond this it is a bomb, not a document part. */
export const MAX_STREAM_BYTES = 32 << 20;
/** Real content streams compress text and fonts well under this; bombs are thousands to one. */
const BOMB_RATIO = 1000;
const BOMB_MIN_OUTPUT = 8 << 20;

export type DecodeResult = { data: Buffer; complete: boolean };

function inflate(input: Buffer, cap: number): { data: Buffer; capped: boolean } {
  const options = { maxOutputLength: Math.max(1, cap), finishFlush: zlib.constants.Z_SYNC_FLUSH };
  try {
    return { data: zlib.inflateSync(input, options), capped: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { data: Buffer.alloc(0), capped: true };
    try {
      // Some writers omit the zlib header; readers accept the raw deflate data.
      return { data: zlib.inflateRawSync(input, options), capped: false };
    } catch (rawError) {
      return { data: Buffer.alloc(0), capped: (rawError as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' };
    }
  }
}

function asciiHex(input: Buffer): Buffer {
  const text = input.toString('latin1');
  const end = text.indexOf('>');
  const hex = (end < 0 ? text : text.slice(0, end)).replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(hex.length % 2 === 0 ? hex : `${hex}0`, 'hex');
}

function ascii85(input: Buffer): Buffer {
  const text = input.toString('latin1').replace(/^\s*<~/, '');
  const end = text.indexOf('~>');
  const body = (end < 0 ? text : text.slice(0, end)).replace(/\s/g, '');
  const out: number[] = [];
  let group: number[] = [];
  const flush = (count: number) => {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 85 + (group[i] ?? 84);
    for (let i = 0; i < count - 1; i++) out.push((value >>> (24 - 8 * i)) & 0xff);
    group = [];
  };
  for (const c of body) {
    if (c === 'z' && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const code = c.charCodeAt(0) - 33;
    if (code < 0 || code > 84) continue;
    group.push(code);
    if (group.length === 5) flush(5);
  }
  if (group.length > 1) flush(group.length);
  return Buffer.from(out);
}

function lzw(input: Buffer, cap: number, earlyChange = 1): Buffer {
  const out: number[] = [];
  let table: number[][] = [];
  const reset = () => {
    table = Array.from({ length: 258 }, (_, i) => (i < 256 ? [i] : []));
  };
  reset();
  let width = 9;
  let previous: number[] | null = null;
  let bitBuffer = 0;
  let bits = 0;
  for (let i = 0; i < input.length && out.length < cap; i++) {
    bitBuffer = ((bitBuffer << 8) | input[i]!) >>> 0;
    bits += 8;
    while (bits >= width) {
      const code = (bitBuffer >>> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      if (code === 256) {
        reset();
        width = 9;
        previous = null;
        continue;
      }
      if (code === 257) return Buffer.from(out);
      const entry: number[] | undefined = code < table.length ? table[code] : previous ? [...previous, previous[0]!] : undefined;
      if (entry === undefined) return Buffer.from(out);
      for (const byte of entry) out.push(byte);
      if (previous && table.length < 4096) table.push([...previous, entry[0]!]);
      previous = entry;
      if (table.length + earlyChange >= 1 << width && width < 12) width++;
    }
  }
  return Buffer.from(out.slice(0, cap));
}

function runLength(input: Buffer, cap: number): Buffer {
  const out: number[] = [];
  for (let i = 0; i < input.length && out.length < cap; ) {
    const n = input[i++]!;
    if (n === 128) break;
    if (n < 128) {
      for (let k = 0; k <= n && i < input.length; k++) out.push(input[i++]!);
    } else {
      const byte = input[i++] ?? 0;
      for (let k = 0; k < 257 - n; k++) out.push(byte);
    }
  }
  return Buffer.from(out);
}

/** The filter names of a stream dictionary's /Filter, abbreviations resolved. */
export function filtersOf(dict: string): string[] {
  const match = /\/Filter\s*(\[[^\]]*\]|\/[^\s/[\]<>()]+)/.exec(dict);
  if (!match) return [];
  const alias: Record<string, string> = { AHx: 'ASCIIHexDecode', A85: 'ASCII85Decode', LZW: 'LZWDecode', Fl: 'FlateDecode', RL: 'RunLengthDecode' };
  return [...match[1]!.matchAll(/\/([^\s/[\]<>()]+)/g)].map((m) => alias[m[1]!] ?? m[1]!);
}

/**
 * Decodes a stream through its filters. Image codecs (DCT, JBIG2, JPX,
 * CCITT) stop the chain: their data is pixels, not PDF syntax.
 */
export function decodeStream(raw: Buffer, filters: string[], budget: Budget, object: string): DecodeResult {
  let data = raw;
  for (const filter of filters) {
    const cap = Math.min(MAX_STREAM_BYTES, budget.left);
    let capped = false;
    if (filter === 'FlateDecode') ({ data, capped } = inflate(data, cap));
    else if (filter === 'ASCIIHexDecode') data = asciiHex(data);
    else if (filter === 'ASCII85Decode') data = ascii85(data);
    else if (filter === 'LZWDecode') data = lzw(data, cap);
    else if (filter === 'RunLengthDecode') data = runLength(data, cap);
    else return { data, complete: false };
    if (capped || (data.length >= BOMB_MIN_OUTPUT && data.length > raw.length * BOMB_RATIO)) {
      budget.bombs.push({ object, inputBytes: raw.length, outputBytes: capped ? cap : data.length });
      return { data: Buffer.alloc(0), complete: false };
    }
    budget.left -= data.length;
  }
  return { data, complete: true };
}
