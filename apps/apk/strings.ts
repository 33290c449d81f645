/**
 * The strings an APK's two compiled files carry: the binary XML string pool
 * of AndroidManifest.xml (permissions, components, actions) and the string
 * table of classes.dex (class, method and literal names). Every offset is
 * bounds-checked and every table capped: the files are hostile.
 */

const MAX_STRINGS = 1 << 16;
const MAX_STRING_BYTES = 4096;

/** The string pool of a binary XML file (ResStringPool: UTF-16 or, with flag 0x100, UTF-8). */
export function axmlStrings(b: Buffer): string[] {
  if (b.length < 8 + 28 || b.readUInt16LE(0) !== 0x0003) return [];
  const pool = 8;
  if (b.readUInt16LE(pool) !== 0x0001) return [];
  const count = Math.min(b.readUInt32LE(pool + 8), MAX_STRINGS);
  const utf8 = (b.readUInt32LE(pool + 16) & 0x100) !== 0;
  const start = pool + b.readUInt32LE(pool + 20);
  const strings: string[] = [];
  for (let i = 0; i < count; i++) {
    const slot = pool + b.readUInt16LE(pool + 2) + i * 4;
    if (slot + 4 > b.length) break;
    let at = start + b.readUInt32LE(slot);
    if (at >= b.length) continue;
    if (utf8) {
      // Two lengths (UTF-16 units, then bytes), each one byte or two with the high bit set.
      for (let n = 0; n < 2 && at < b.length; n++) at += b[at]! & 0x80 ? 2 : 1;
      const end = b.indexOf(0, at);
      strings.push(b.toString('utf8', at, Math.min(end < 0 ? b.length : end, at + MAX_STRING_BYTES)));
    } else {
      if (at + 2 > b.length) continue;
      let length = b.readUInt16LE(at);
      at += 2;
      if (length & 0x8000) {
        if (at + 2 > b.length) continue;
        length = ((length & 0x7fff) << 16) | b.readUInt16LE(at);
        at += 2;
      }
      strings.push(b.toString('utf16le', at, Math.min(b.length, at + Math.min(length, MAX_STRING_BYTES) * 2)));
    }
  }
  return strings;
}

/** The string table of a DEX file: string_ids point at a ULEB128 length and MUTF-8 bytes. */
export function dexStrings(b: Buffer): string[] {
  if (b.length < 0x70 || b.toString('latin1', 0, 4) !== 'dex\n') return [];
  const count = Math.min(b.readUInt32LE(0x38), MAX_STRINGS * 4);
  const table = b.readUInt32LE(0x3c);
  const strings: string[] = [];
  for (let i = 0; i < count && table + i * 4 + 4 <= b.length; i++) {
    let at = b.readUInt32LE(table + i * 4);
    for (let n = 0; n < 5 && at < b.length && b[at]! & 0x80; n++) at++;
    at++;
    if (at >= b.length) continue;
    const end = b.indexOf(0, at);
    strings.push(b.toString('utf8', at, Math.min(end < 0 ? b.length : end, at + MAX_STRING_BYTES)));
  }
  return strings;
}
