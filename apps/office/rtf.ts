/**
 * RTF documents: the embedded objects of `\objdata` (hex-encoded OLE1 native
 * data, usually an OLE2 compound file inside), the class names exploits
 * rely on, objects that update themselves on open (`\objupdate`), and the
 * hex noise obfuscated RTF exploits hide behind. Decoding is bounded.
 */
import { compoundSignals, hasPe, packageSignals } from './objects.ts';
import { isOle, readCompound } from './ole.ts';
import type { Signal } from './signals.ts';

const MAX_OBJECT = 16 << 20;
const MAX_OBJECTS = 32;
/** Class names whose object is an exploit path rather than a document. */
const EXPLOIT_CLASS = /^(?:Equation\.[23]|OLE2Link|htmlfile|scriptlet|Microsoft\.?Equation)/i;

export function isRtf(bytes: Buffer): boolean {
  return bytes.subarray(0, 4).toString('latin1') === '{\\rt';
}

/** Hex digits after `\objdata` until its group closes; nested groups, control words and whitespace are skipped, as Word does. */
export function objdataAt(text: string, start: number): Buffer {
  const hex: number[] = [];
  let depth = 0;
  let half = -1;
  for (let i = start; i < text.length && hex.length < MAX_OBJECT; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) depth++;
    else if (c === 0x7d) {
      if (depth === 0) break;
      depth--;
    } else if (c === 0x5c) {
      // A control word (\bin too: its binary run is not hex) is skipped with its numeric argument.
      while (i + 1 < text.length && /[a-z0-9-]/i.test(text[i + 1]!)) i++;
    } else if (depth === 0) {
      const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (v < 0) continue;
      if (half < 0) half = v;
      else {
        hex.push((half << 4) | v);
        half = -1;
      }
    }
  }
  return Buffer.from(hex);
}

/** OLE1 native object: version, format, class name, topic, item, then the data. */
function ole1(data: Buffer): { className: string; body: Buffer } | undefined {
  if (data.length < 12) return undefined;
  const length = data.readUInt32LE(8);
  if (length === 0 || length > 256 || 12 + length > data.length) return undefined;
  const className = data.toString('latin1', 12, 12 + length).replace(/\0+$/, '');
  let at = 12 + length;
  for (let skip = 0; skip < 2 && at + 4 <= data.length; skip++) at += 4 + data.readUInt32LE(at);
  if (at + 4 > data.length) return { className, body: Buffer.alloc(0) };
  return { className, body: data.subarray(at + 4, at + 4 + data.readUInt32LE(at)) };
}

const HEX_BLOB = 500_000;

/** Hex digits and white space as RTF writers wrap them (latin1: \xa0 is white space to a regex too). */
const isHexOrSpace = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) || c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;

/** A run of at least `min` hex digits and spaces in the first `limit` characters, in one pass: a regex with a count that large retries every start. */
function hasHexRun(text: string, min: number, limit: number): boolean {
  let run = 0;
  for (let i = 0, end = Math.min(text.length, limit); i < end; i++) {
    if (!isHexOrSpace(text.charCodeAt(i))) run = 0;
    else if (++run >= min) return true;
  }
  return false;
}

export function rtfSignals(bytes: Buffer): Signal[] {
  const text = bytes.toString('latin1');
  const signals: Signal[] = [];
  if (/\\objupdate\b/.test(text)) signals.push({ rule: 'office.rtf.objupdate', weight: 3, description: 'an embedded object refreshes itself when the document opens (\\objupdate)' });
  let objects = 0;
  for (const match of text.matchAll(/\\objdata\b/g)) {
    if (++objects > MAX_OBJECTS) break;
    const data = objdataAt(text, match.index + match[0].length);
    const object = ole1(data);
    const where = `RTF object ${objects}${object ? ` (${object.className})` : ''}`;
    if (object && EXPLOIT_CLASS.test(object.className)) signals.push({ rule: 'office.rtf.exploit-class', weight: 10, description: `${where}: a class exploits use` });
    if (object && /^Package$/i.test(object.className)) signals.push(...packageSignals(object.body, where));
    const body = object?.body ?? data;
    const ole = body.indexOf('d0cf11e0a1b11ae1', 0, 'hex');
    if (ole >= 0 && isOle(body.subarray(ole))) {
      try {
        signals.push(...compoundSignals(readCompound(body.subarray(ole)), `${where}:`));
      } catch {
        signals.push({ rule: 'office.rtf.broken-object', weight: 2, description: `${where}: an OLE object that does not parse` });
      }
    }
    if (hasPe(data)) signals.push({ rule: 'office.rtf.embedded-pe', weight: 8, description: `${where} holds a Windows program` });
  }
  // Exploit kits hide the class in the hex or as a CLSID; benign RTF names these nowhere.
  if (/0002ce02-0000-0000-c000-000000000046|02ce020000000000c000000000000046|4571756174696f6e2e33/i.test(text)) signals.push({ rule: 'office.rtf.exploit-class', weight: 10, description: 'names the Equation Editor (CLSID or Equation.3 in hex)' });
  if (objects === 0 && hasHexRun(text, HEX_BLOB, 32 << 20)) signals.push({ rule: 'office.rtf.hex-blob', weight: 3, description: 'a large hex run outside any object' });
  return signals;
}
