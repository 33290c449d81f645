/**
 * A reader of OLE2 compound files (MS-CFB), the container of .doc, .xls,
 * .ppt and of vbaProject.bin: the stream names and contents, following the
 * FAT and mini-FAT chains. Every chain is bounded, so a looping or truncated
 * file ends the walk instead of the app.
 */

export const OLE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const END_OF_CHAIN = 0xfffffffe;
const MAX_SECTORS = 1 << 20;

export interface OleStream {
  /** Storage path with `/`, e.g. `Macros/VBA/ThisDocument`. */
  path: string;
  data: Buffer;
}

export function isOle(bytes: Buffer): boolean {
  return bytes.length >= 512 && bytes.subarray(0, 8).equals(OLE_MAGIC);
}

/** Every stream of the file; throws on a header that is not OLE2. */
export function readOle(b: Buffer): OleStream[] {
  if (!isOle(b)) throw new Error('not an OLE2 compound file');
  const sectorSize = 1 << b.readUInt16LE(30);
  const miniSize = 1 << b.readUInt16LE(32);
  const dirStart = b.readUInt32LE(48);
  const miniCutoff = b.readUInt32LE(56);
  const miniFatStart = b.readUInt32LE(60);
  let difatNext = b.readUInt32LE(68);
  const sectorAt = (n: number) => 512 + n * sectorSize;
  const sector = (n: number) => b.subarray(sectorAt(n), Math.min(b.length, sectorAt(n) + sectorSize));
  // FAT sector numbers: 109 in the header, the rest in a DIFAT chain.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) fatSectors.push(b.readUInt32LE(76 + i * 4));
  for (let hops = 0; difatNext < END_OF_CHAIN - 1 && hops < 1024; hops++) {
    const s = sector(difatNext);
    if (s.length < sectorSize) break;
    for (let i = 0; i < sectorSize / 4 - 1; i++) fatSectors.push(s.readUInt32LE(i * 4));
    difatNext = s.readUInt32LE(sectorSize - 4);
  }
  const fat: number[] = [];
  for (const n of fatSectors) {
    if (n >= END_OF_CHAIN - 1) continue;
    const s = sector(n);
    for (let i = 0; i + 4 <= s.length; i += 4) fat.push(s.readUInt32LE(i));
  }
  const chain = (start: number, table: number[]) => {
    const out: number[] = [];
    for (let n = start; n < END_OF_CHAIN - 1 && n < table.length + 1 && out.length < MAX_SECTORS; n = table[n] ?? END_OF_CHAIN) out.push(n);
    return out;
  };
  const readChain = (start: number) => Buffer.concat(chain(start, fat).map(sector));
  const directory = readChain(dirStart);
  const entries: Array<{ name: string; type: number; left: number; right: number; child: number; start: number; size: number }> = [];
  for (let at = 0; at + 128 <= directory.length; at += 128) {
    const nameLength = Math.min(64, directory.readUInt16LE(at + 64));
    entries.push({
      name: directory.toString('utf16le', at, at + Math.max(0, nameLength - 2)),
      type: directory[at + 66]!,
      left: directory.readUInt32LE(at + 68),
      right: directory.readUInt32LE(at + 72),
      child: directory.readUInt32LE(at + 76),
      start: directory.readUInt32LE(at + 116),
      size: directory.readUInt32LE(at + 120),
    });
  }
  const root = entries[0];
  if (root === undefined) return [];
  const miniStream = readChain(root.start);
  const miniFat: number[] = [];
  const miniFatBytes = readChain(miniFatStart);
  for (let i = 0; i + 4 <= miniFatBytes.length; i += 4) miniFat.push(miniFatBytes.readUInt32LE(i));
  const readStream = (entry: (typeof entries)[number]) => {
    const data = entry.size < miniCutoff
      ? Buffer.concat(chain(entry.start, miniFat).map((n) => miniStream.subarray(n * miniSize, n * miniSize + miniSize)))
      : readChain(entry.start);
    return data.subarray(0, entry.size);
  };
  // The directory is a red-black tree per storage: walk it from the root's child.
  const streams: OleStream[] = [];
  const seen = new Set<number>();
  const walk = (id: number, prefix: string) => {
    const entry = entries[id];
    if (entry === undefined || seen.has(id)) return;
    seen.add(id);
    walk(entry.left, prefix);
    walk(entry.right, prefix);
    if (entry.type === 2) streams.push({ path: `${prefix}${entry.name}`, data: readStream(entry) });
    if (entry.type === 1) walk(entry.child, `${prefix}${entry.name}/`);
  };
  walk(root.child, '');
  return streams;
}

/** MS-OVBA decompression of a compressed container starting at `start` (its 0x01 signature byte). */
export function decompressVba(b: Buffer, start: number): Buffer | undefined {
  if (b[start] !== 1) return undefined;
  const out: number[] = [];
  let pos = start + 1;
  while (pos + 2 <= b.length) {
    const header = b.readUInt16LE(pos);
    if (((header >> 12) & 7) !== 3) break;
    const chunkEnd = Math.min(b.length, pos + (header & 0x0fff) + 3);
    pos += 2;
    const chunkStart = out.length;
    if ((header & 0x8000) === 0) {
      for (const byte of b.subarray(pos, pos + 4096)) out.push(byte);
      pos += 4096;
      continue;
    }
    while (pos < chunkEnd) {
      const flags = b[pos++]!;
      for (let bit = 0; bit < 8 && pos < chunkEnd; bit++) {
        if (((flags >> bit) & 1) === 0) {
          out.push(b[pos++]!);
          continue;
        }
        if (pos + 2 > b.length) return Buffer.from(out);
        const token = b.readUInt16LE(pos);
        pos += 2;
        const bitCount = Math.max(4, Math.ceil(Math.log2(out.length - chunkStart)));
        const lengthMask = 0xffff >> bitCount;
        const length = (token & lengthMask) + 3;
        const offset = (token >> (16 - bitCount)) + 1;
        const from = out.length - offset;
        if (from < chunkStart) return Buffer.from(out);
        for (let k = 0; k < length; k++) out.push(out[from + k]!);
      }
    }
    pos = chunkEnd;
  }
  return Buffer.from(out);
}

/** VBA source in a stream: each module's compressed source starts with `Attribute VB_Name`, stored literally. */
export function vbaSources(data: Buffer): string[] {
  const sources: string[] = [];
  for (let at = data.indexOf('\x00Attribut'); at >= 3; at = data.indexOf('\x00Attribut', at + 1)) {
    const source = decompressVba(data, at - 3);
    if (source !== undefined && source.length > 0) sources.push(source.toString('latin1'));
  }
  return sources;
}
