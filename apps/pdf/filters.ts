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

/** Output that grows in a Buffer up to a cap: decoders never hold more than the budget allows. */
class Output {
  private buffer = Buffer.allocUnsafe(4096);
  length = 0;
  readonly cap: number;
  constructor(cap: number) {
    this.cap = cap;
  }
  get full(): boolean {
    return this.length >= this.cap;
  }
  push(byte: number): void {
    if (this.length >= this.cap) return;
    if (this.length === this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.cap, this.buffer.length * 2));
      this.buffer.copy(bigger);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = byte;
  }
  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

function ascii85(input: Buffer, cap: number): Buffer {
  const out = new Output(cap);
  let group: number[] = [];
  const flush = (count: number) => {
    let value = 0;
    for (let i = 0; i < 5; i++) value = value * 85 + (group[i] ?? 84);
    for (let i = 0; i < count - 1; i++) out.push(Math.floor(value / 2 ** (24 - 8 * i)) & 0xff);
    group = [];
  };
  let i = input.indexOf('<~') === 0 ? 2 : 0;
  for (; i < input.length && !out.full; i++) {
    const c = input[i]!;
    if (c === 0x7e) break;
    if (c === 0x7a && group.length === 0) {
      for (let k = 0; k < 4; k++) out.push(0);
      continue;
    }
    if (c < 33 || c > 117) continue;
    group.push(c - 33);
    if (group.length === 5) flush(5);
  }
  if (group.length > 1) flush(group.length);
  return out.result();
}

/** LZW as PDF uses it (MSB first, 9-12 bit codes, early change), with the usual prefix/suffix table. */
function lzw(input: Buffer, cap: number, earlyChange = 1): Buffer {
  const out = new Output(cap);
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const lengths = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) (prefix[i] = -1), (suffix[i] = i), (lengths[i] = 1);
  const stack = new Uint8Array(4096);
  let next = 258;
  let width = 9;
  let previous = -1;
  let bitBuffer = 0;
  let bits = 0;
  const firstByte = (code: number) => {
    while (prefix[code]! >= 0) code = prefix[code]!;
    return suffix[code]!;
  };
  const emit = (code: number) => {
    let n = 0;
    for (let c = code; c >= 0 && n < 4096; c = prefix[c]!) stack[n++] = suffix[c]!;
    while (n > 0) out.push(stack[--n]!);
  };
  for (let i = 0; i < input.length && !out.full; i++) {
    bitBuffer = ((bitBuffer << 8) | input[i]!) & 0xffffff;
    bits += 8;
    while (bits >= width) {
      const code = (bitBuffer >>> (bits - width)) & ((1 << width) - 1);
      bits -= width;
      if (code === 256) {
        (next = 258), (width = 9), (previous = -1);
        continue;
      }
      if (code === 257 || code > next || (code === next && previous < 0)) return out.result();
      if (previous >= 0 && next < 4096) {
        prefix[next] = previous;
        suffix[next] = firstByte(code === next ? previous : code);
        lengths[next] = lengths[previous]! + 1;
        next++;
      }
      emit(code);
      previous = code;
      if (next + earlyChange >= 1 << width && width < 12) width++;
    }
  }
  return out.result();
}

function runLength(input: Buffer, cap: number): Buffer {
  const out = new Output(cap);
  for (let i = 0; i < input.length && !out.full; ) {
    const n = input[i++]!;
    if (n === 128) break;
    if (n < 128) {
      for (let k = 0; k <= n && i < input.length; k++) out.push(input[i++]!);
    } else {
      const byte = input[i++] ?? 0;
      for (let k = 0; k < 257 - n; k++) out.push(byte);
    }
  }
  return out.result();
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
    else if (filter === 'ASCII85Decode') data = ascii85(data, cap);
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
