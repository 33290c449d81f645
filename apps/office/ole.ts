/**
 * A reader of OLE2 compound files (MS-CFB), the container of .doc, .xls,
 * .ppt, .msi and of vbaProject.bin: the stream names and contents, following
 * the FAT and mini-FAT chains. The file is hostile: a chain that loops ends
 * at the first sector seen twice, and all streams together are capped, so a
 * small file whose streams share sectors cannot grow into gigabytes.
 */

export const OLE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const MAX_REGULAR_SECTOR = 0xfffffffa;
const MAX_DIFAT_HOPS = 1 << 14;
/** The whole output may exceed the file (shared sectors are legal) but only by this much. */
const OUTPUT_FACTOR = 4;

export interface OleStream {
  /** Storage path with `/`, e.g. `Macros/VBA/ThisDocument`. */
  path: string;
  data: Buffer;
}

export interface OleStorage {
  /** Storage path with `/`; `` for the root. */
  path: string;
  /** The storage's class id as a GUID string in upper case, e.g. `0002CE02-0000-0000-C000-000000000046`. */
  clsid: string;
}

export interface CompoundFile {
  streams: OleStream[];
  storages: OleStorage[];
}

export function isOle(bytes: Buffer): boolean {
  return bytes.length >= 512 && bytes.subarray(0, 8).equals(OLE_MAGIC);
}

export function guidAt(b: Buffer, at: number): string {
  if (at + 16 > b.length) return '';
  const hex = (from: number, to: number) => b.subarray(from, to).toString('hex');
  const le = (from: number, length: number) => Buffer.from(b.subarray(from, from + length)).reverse().toString('hex');
  return `${le(at, 4)}-${le(at + 4, 2)}-${le(at + 6, 2)}-${hex(at + 8, at + 10)}-${hex(at + 10, at + 16)}`.toUpperCase();
}

interface DirEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  clsid: string;
  start: number;
  size: number;
}

/** Every stream and storage of the file; throws on a header that is not OLE2. */
export function readCompound(b: Buffer): CompoundFile {
  if (!isOle(b)) throw new Error('not an OLE2 compound file');
  const shift = b.readUInt16LE(30);
  const sectorSize = shift === 12 ? 4096 : 512;
  const miniSize = 64;
  const miniCutoff = b.readUInt32LE(56);
  let budget = OUTPUT_FACTOR * b.length + (1 << 20);
  // Version 4 pads the header to a whole 4096-byte sector, so sector n starts after it.
  const sectorAt = (n: number) => (n + 1) * sectorSize;
  const sector = (n: number) => (sectorAt(n) >= b.length ? Buffer.alloc(0) : b.subarray(sectorAt(n), Math.min(b.length, sectorAt(n) + sectorSize)));
  const sectorCount = Math.ceil(b.length / sectorSize);

  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) fatSectors.push(b.readUInt32LE(76 + i * 4));
  const difatSeen = new Set<number>();
  for (let next = b.readUInt32LE(68); next <= MAX_REGULAR_SECTOR && !difatSeen.has(next) && difatSeen.size < MAX_DIFAT_HOPS; ) {
    difatSeen.add(next);
    const s = sector(next);
    if (s.length < sectorSize) break;
    for (let i = 0; i < sectorSize / 4 - 1; i++) fatSectors.push(s.readUInt32LE(i * 4));
    next = s.readUInt32LE(sectorSize - 4);
  }
  const fatParts: Buffer[] = [];
  for (const n of new Set(fatSectors)) if (n <= MAX_REGULAR_SECTOR && n < sectorCount) fatParts.push(sector(n));
  const fatBytes = Buffer.concat(fatParts);
  const fatAt = (n: number) => (n * 4 + 4 <= fatBytes.length ? fatBytes.readUInt32LE(n * 4) : 0xfffffffe);

  /** Sector numbers of a chain: stops at its end, at a number out of range, or at a sector already in it. */
  const chain = (start: number, next: (n: number) => number, limit: number) => {
    const out: number[] = [];
    const seen = new Set<number>();
    for (let n = start; n <= MAX_REGULAR_SECTOR && n < limit && !seen.has(n); n = next(n)) {
      seen.add(n);
      out.push(n);
    }
    return out;
  };
  /** The chain's bytes up to `size`, charged to the budget; sectors past what is wanted are never copied. */
  const take = (sectors: number[], read: (n: number) => Buffer, unit: number, size: number) => {
    const wanted = Math.max(0, Math.min(size, budget, sectors.length * unit));
    const parts: Buffer[] = [];
    for (let i = 0; i * unit < wanted; i++) parts.push(read(sectors[i]!));
    const data = Buffer.concat(parts).subarray(0, wanted);
    budget -= data.length;
    return data;
  };
  const readChain = (start: number, size = Infinity) => take(chain(start, fatAt, sectorCount), sector, sectorSize, size);

  const directory = readChain(b.readUInt32LE(48));
  const entries: DirEntry[] = [];
  for (let at = 0; at + 128 <= directory.length; at += 128) {
    const nameLength = Math.min(64, directory.readUInt16LE(at + 64));
    entries.push({
      name: directory.toString('utf16le', at, at + Math.max(0, nameLength - 2)),
      type: directory[at + 66]!,
      left: directory.readUInt32LE(at + 68),
      right: directory.readUInt32LE(at + 72),
      child: directory.readUInt32LE(at + 76),
      clsid: guidAt(directory, at + 80),
      start: directory.readUInt32LE(at + 116),
      // The high half is reserved in version 3 and no stream here exceeds 4 GiB.
      size: directory.readUInt32LE(at + 120),
    });
  }
  const root = entries[0];
  if (root === undefined) return { streams: [], storages: [] };
  const miniStream = readChain(root.start, root.size);
  const miniFatBytes = readChain(b.readUInt32LE(60));
  const miniFatAt = (n: number) => (n * 4 + 4 <= miniFatBytes.length ? miniFatBytes.readUInt32LE(n * 4) : 0xfffffffe);
  const miniCount = Math.ceil(miniStream.length / miniSize);
  const readStream = (entry: DirEntry) =>
    entry.size < miniCutoff
      ? take(chain(entry.start, miniFatAt, miniCount), (n) => miniStream.subarray(n * miniSize, n * miniSize + miniSize), miniSize, entry.size)
      : readChain(entry.start, entry.size);

  // The directory is a red-black tree per storage: walk it from the root's child.
  const result: CompoundFile = { streams: [], storages: [{ path: '', clsid: root.clsid }] };
  const seen = new Set<number>([0]);
  const stack: Array<[id: number, prefix: string]> = [[root.child, '']];
  while (stack.length > 0) {
    const [id, prefix] = stack.pop()!;
    const entry = entries[id];
    if (entry === undefined || seen.has(id)) continue;
    seen.add(id);
    stack.push([entry.left, prefix], [entry.right, prefix]);
    if (entry.type === 2) result.streams.push({ path: `${prefix}${entry.name}`, data: readStream(entry) });
    if (entry.type === 1) {
      result.storages.push({ path: `${prefix}${entry.name}`, clsid: entry.clsid });
      stack.push([entry.child, `${prefix}${entry.name}/`]);
    }
  }
  return result;
}

/** Every stream of the file; throws on a header that is not OLE2. */
export function readOle(b: Buffer): OleStream[] {
  return readCompound(b).streams;
}
