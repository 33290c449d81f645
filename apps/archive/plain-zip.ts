/**
 * Plain zips listed and unpacked in this thread. Most archives in traffic are
 * zips (downloads, documents, jars, APKs) whose members are stored or
 * deflated, unencrypted, under plain ASCII names; for those, the two 7z
 * processes per archive (listing, unpacking) cost more than the analysis.
 * Anything else (zip64, encryption, links, odd or duplicate names, bytes
 * before the archive, a directory that disagrees with itself, a member that
 * fails its size or CRC) is left to 7z, so its findings stay 7z's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import type { Member } from './listing.ts';

export interface PlainMember extends Member {
  method: number;
  crc: number;
  compressedSize: number;
  /** Where the member's local header starts. */
  offset: number;
}

const EOCD = Buffer.from('PK\x05\x06', 'latin1');
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** General purpose flags: encrypted, strong encryption, masked local headers. */
const UNSUPPORTED_FLAGS = 0x0001 | 0x0040 | 0x2000;
const MADE_BY_UNIX = 3;
const S_IFMT = 0xf000;
const S_IFLNK = 0xa000;
const DOS_DIRECTORY = 0x10;
/** Printable ASCII without the backslash, which 7z reads as a separator in some zips and not in others. */
const PLAIN_NAME = /^[\x20-\x5b\x5d-\x7e]+$/;

/** Longer names and deeper paths are no plain zip's: checking their prefixes would cost the square of their length. */
const MAX_NAME = 1024;
const MAX_DEPTH = 64;

/** A name 7z would unpack to the same relative path: no empty, `.` or `..` segment, not absolute. */
function plainName(name: string): boolean {
  if (name.length > MAX_NAME || !PLAIN_NAME.test(name) || name.startsWith('/')) return false;
  const parts = name.split('/');
  return parts.length <= MAX_DEPTH && parts.every((part) => part !== '' && part !== '.' && part !== '..');
}

/** The members of a plain zip from its central directory, in its order; undefined when it is not plain. */
export function plainZip(bytes: Buffer): PlainMember[] | undefined {
  const eocd = bytes.lastIndexOf(EOCD);
  if (eocd < 0 || eocd + 22 > bytes.length || eocd + 22 + bytes.readUInt16LE(eocd + 20) !== bytes.length) return undefined;
  if (bytes.readUInt32LE(eocd + 4) !== 0) return undefined; // spanned over disks
  const count = bytes.readUInt16LE(eocd + 10);
  const size = bytes.readUInt32LE(eocd + 12);
  let at = bytes.readUInt32LE(eocd + 16);
  if (count === 0 || count === 0xffff || count !== bytes.readUInt16LE(eocd + 8) || at + size !== eocd) return undefined;
  const members: PlainMember[] = [];
  const paths = new Set<string>();
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL) return undefined;
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const length = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const external = bytes.readUInt32LE(at + 38);
    const offset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('latin1', at + 46, at + 46 + nameLength);
    const folder = name.endsWith('/');
    const entryPath = folder ? name.slice(0, -1) : name;
    const unixMode = bytes[at + 5] === MADE_BY_UNIX ? external >>> 16 : 0;
    if ((flags & UNSUPPORTED_FLAGS) !== 0 || (method !== 0 && method !== 8) || [compressedSize, length, offset].includes(0xffffffff)) return undefined;
    if ((unixMode & S_IFMT) === S_IFLNK || (!folder && (external & DOS_DIRECTORY) !== 0) || !plainName(entryPath) || paths.has(entryPath)) return undefined;
    paths.add(entryPath);
    members.push({ path: entryPath, size: length, folder, encrypted: false, method, crc: bytes.readUInt32LE(at + 16), compressedSize, offset });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  // A member under a file's name cannot be unpacked as named: 7z's business.
  const files = new Set(members.filter((m) => !m.folder).map((m) => m.path));
  for (const member of members) {
    const parts = member.path.split('/');
    for (let k = 1; k < parts.length; k++) if (files.has(parts.slice(0, k).join('/'))) return undefined;
  }
  return at === eocd ? members : undefined;
}

/** A member's bytes, whole and matching its size and CRC; undefined otherwise. */
function memberBytes(bytes: Buffer, member: PlainMember): Buffer | undefined {
  const at = member.offset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL) return undefined;
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (start + member.compressedSize > bytes.length) return undefined;
  const raw = bytes.subarray(start, start + member.compressedSize);
  let data: Buffer;
  try {
    // One byte more than declared is enough to know the member lies; inflating further is the bomb's game.
    data = member.method === 0 ? raw : inflateRawSync(raw, { maxOutputLength: member.size + 1 });
  } catch {
    return undefined;
  }
  return data.length === member.size && crc32(data) === member.crc ? data : undefined;
}

/**
 * Writes the members `wanted` takes into `folder` (which must not exist yet)
 * and returns their relative paths; undefined, with the folder removed, as
 * soon as one does not come out whole, so that 7z unpacks the archive instead.
 */
export function unpackPlainZip(bytes: Buffer, members: readonly PlainMember[], folder: string, wanted: (name: string) => boolean): string[] | undefined {
  const names: string[] = [];
  try {
    fs.mkdirSync(folder, { recursive: true });
    for (const member of members) {
      if (member.folder || !wanted(member.path)) continue;
      const data = memberBytes(bytes, member);
      if (data === undefined) throw new Error('not whole');
      const target = path.join(folder, member.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, data, { flag: 'wx' });
      names.push(member.path);
    }
    if (names.length === 0) fs.rmSync(folder, { recursive: true, force: true });
    return names;
  } catch {
    fs.rmSync(folder, { recursive: true, force: true });
    return undefined;
  }
}
