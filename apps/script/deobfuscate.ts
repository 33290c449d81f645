/**
 * A static deobfuscation pass: folds string concatenation, Chr()/char-code
 * chains, escapes, junk-token removal and reversed literals, and decodes
 * base64, hex and byte-array blobs (gzip/deflate inside included). The
 * recovered text is scanned again with the same indicators. Bounded in
 * depth, blob count and output size: the input is hostile.
 */
import zlib from 'node:zlib';

const MAX_DEPTH = 3;
const MAX_OUTPUT_CHARS = 4 << 20;
const MAX_BLOBS = 256;
const MAX_FOLD_PASSES = 24;
const MAX_INFLATE = 2 << 20;

export interface Deobfuscated {
  /** Text recovered by all layers (not the input itself). */
  text: string;
  /** How many layers produced new text. */
  layers: number;
  /** Where decoded bytes were a Windows executable (base64, hex, byte array). */
  embeddedPe: string[];
}

const LITERAL = String.raw`(["'])((?:(?!\1)[^\\\r\n]|\\.){0,4000})\1`;
const CONCAT = new RegExp(`${LITERAL}\\s*(?:\\+|&)\\s*(?:_[ \\t]*\\r?\\n\\s*)?${LITERAL.replaceAll('\\1', '\\3')}`, 'g');

function foldConcatenation(text: string): string {
  let folded = text;
  for (let pass = 0; pass < MAX_FOLD_PASSES; pass++) {
    const next = folded.replace(CONCAT, (_m, q: string, a: string, _q2: string, b: string) => `${q}${a}${b}${q}`);
    if (next === folded) break;
    folded = next;
  }
  return folded;
}

const quoted = (codes: number[]) => JSON.stringify(String.fromCharCode(...codes.filter((c) => c >= 0 && c < 0x10000)));

/** Chr(65), ChrW(&H41), [char]65, String.fromCharCode(72,105): to quoted literals, so concatenation folds them. */
function foldCharCodes(text: string): string {
  return text
    .replace(/\bChr[WB]?\s*\(\s*(&H[0-9a-f]{1,4}|\d{1,5})\s*\)/gi, (_m, n: string) => quoted([n.startsWith('&') ? parseInt(n.slice(2), 16) : Number(n)]))
    .replace(/\[char\]\s*\(?\s*(0x[0-9a-f]{1,4}|\d{1,5})\s*\)?/gi, (_m, n: string) => quoted([Number(n)]))
    .replace(/\bString\.fromCharCode\s*\(\s*((?:(?:0x[0-9a-f]{1,4}|\d{1,5})\s*,\s*){0,4000}(?:0x[0-9a-f]{1,4}|\d{1,5}))\s*\)/gi, (_m, list: string) => quoted(list.split(',').map((n) => Number(n.trim()))));
}

function unescapeText(text: string): string {
  return text
    .replace(/\\x([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/[\\%]u([0-9a-f]{4})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/%([0-9a-f]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/`(?=[a-z])/gi, '')
    .replace(/\^(?=[a-z0-9])/gi, '');
}

/** `.Replace("junk","")`, `-replace 'junk',''`: the junk is removed everywhere, as the script would at run time. */
function removeJunkTokens(text: string): string {
  const junk = new Set<string>();
  for (const m of text.matchAll(/(?:\.replace\s*\(|-replace\s*)\s*(["'])([^"'\r\n]{2,16})\1\s*,\s*(["'])\3/gi)) {
    if (junk.size < 16) junk.add(m[2]!.replace(/\\(.)/g, '$1'));
  }
  let out = text;
  for (const token of junk) out = out.split(token).join('');
  return out;
}

function reversedLiterals(text: string): string {
  const out: string[] = [];
  for (const m of text.matchAll(/(["'])([^"'\r\n]{6,2000})\1/g)) {
    if (out.length >= MAX_BLOBS) break;
    out.push([...m[2]!].reverse().join(''));
  }
  return out.join('\n');
}

function isPe(bytes: Buffer): boolean {
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return false;
  const pe = bytes.readUInt32LE(0x3c);
  if (pe + 4 <= bytes.length && bytes.readUInt32LE(pe) === 0x4550) return true;
  return bytes.subarray(0, 512).includes('program cannot be run');
}

function printableShare(text: string): number {
  const sample = text.slice(0, 4096);
  let printable = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if ((c >= 32 && c < 127) || c === 9 || c === 10 || c === 13) printable++;
  }
  return printable / Math.max(1, sample.length);
}

function inflated(bytes: Buffer): Buffer | undefined {
  const options = { maxOutputLength: MAX_INFLATE };
  try {
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) return zlib.gunzipSync(bytes, options);
    if (bytes[0] === 0x78) return zlib.inflateSync(bytes, options);
    return zlib.inflateRawSync(bytes, options);
  } catch {
    return undefined;
  }
}

/** Bytes a blob decoded to, read as text when they are text; executables are recorded, not returned. */
function bytesAsText(bytes: Buffer, where: string, embeddedPe: string[]): string | undefined {
  if (bytes.length < 8) return undefined;
  if (isPe(bytes)) {
    if (embeddedPe.length < 16) embeddedPe.push(where);
    return undefined;
  }
  const utf16 = bytes.length >= 8 && bytes[1] === 0 && bytes[3] === 0 ? bytes.toString('utf16le') : undefined;
  for (const text of [utf16, bytes.toString('latin1')]) if (text !== undefined && printableShare(text) > 0.85) return text;
  const unpacked = inflated(bytes);
  return unpacked && printableShare(unpacked.toString('latin1')) > 0.85 ? unpacked.toString('latin1') : undefined;
}

/** Base64, hex (with or without separators) and 0x../decimal byte arrays, decoded. */
function decodeBlobs(text: string, embeddedPe: string[]): string[] {
  const out: string[] = [];
  let blobs = 0;
  const take = (bytes: Buffer, where: string) => {
    blobs++;
    const decoded = bytesAsText(bytes, where, embeddedPe);
    if (decoded !== undefined) out.push(decoded);
  };
  for (const m of text.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)) {
    if (blobs >= MAX_BLOBS) break;
    if (/^[0-9a-f]+$/i.test(m[0])) continue;
    take(Buffer.from(m[0], 'base64'), 'base64');
  }
  for (const m of text.matchAll(/(?:[0-9a-f]{2}[ ,:\-]?){24,}/gi)) {
    if (blobs >= MAX_BLOBS) break;
    const hex = m[0].replace(/[^0-9a-f]/gi, '');
    if (!/[0-9]/.test(hex) || hex.length % 2 !== 0) continue;
    take(Buffer.from(hex, 'hex'), 'hex');
  }
  for (const m of text.matchAll(/(?:(?:0x[0-9a-f]{1,2}|\d{1,3})\s*,\s*){16,}(?:0x[0-9a-f]{1,2}|\d{1,3})/gi)) {
    if (blobs >= MAX_BLOBS) break;
    const values = m[0].split(',').map((v) => Number(v.trim()));
    if (values.every((v) => v >= 0 && v <= 255)) take(Buffer.from(values), 'byte array');
  }
  return out;
}

/** One layer: the text folded (`surface`) and what its blobs decode to (`decoded`, the next layer's input). */
function peel(text: string, embeddedPe: string[]): { surface: string; decoded: string } {
  const folded = foldConcatenation(foldCharCodes(unescapeText(removeJunkTokens(text))));
  const surface = [folded === text ? '' : folded, reversedLiterals(folded)].filter((p) => p.length > 0).join('\n');
  return { surface, decoded: decodeBlobs(folded, embeddedPe).join('\n').slice(0, MAX_OUTPUT_CHARS) };
}

export function deobfuscate(text: string): Deobfuscated {
  const embeddedPe: string[] = [];
  const recovered: string[] = [];
  let size = 0;
  let layer = text;
  let layers = 0;
  for (let depth = 0; depth < MAX_DEPTH && size < MAX_OUTPUT_CHARS; depth++) {
    const { surface, decoded } = peel(layer, embeddedPe);
    if (surface.length + decoded.length === 0) break;
    recovered.push(surface, decoded);
    size += surface.length + decoded.length;
    layers++;
    if (decoded.length === 0) break;
    layer = decoded;
  }
  return { text: recovered.join('\n').slice(0, MAX_OUTPUT_CHARS), layers, embeddedPe };
}
