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
import { crc32 } from 'node:zlib';
import { zipDirectory, zipRead, type ZipMember } from '../lib/zip.ts';
import type { Member } from './listing.ts';

export type PlainMember = Member & ZipMember;

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

/** A member 7z would list and unpack as this thread does: stored or deflated, unencrypted, no link, a plain name. */
function plainMember(member: ZipMember): boolean {
  const folder = member.name.endsWith('/');
  const unixMode = member.madeBy === MADE_BY_UNIX ? member.external >>> 16 : 0;
  if ((member.flags & UNSUPPORTED_FLAGS) !== 0 || (member.method !== 0 && member.method !== 8)) return false;
  if ([member.compressedSize, member.size, member.offset].includes(0xffffffff) || (unixMode & S_IFMT) === S_IFLNK) return false;
  return (folder || (member.external & DOS_DIRECTORY) === 0) && plainName(folder ? member.name.slice(0, -1) : member.name);
}

/** The members of a plain zip from its central directory, in its order; undefined when it is not plain. */
export function plainZip(bytes: Buffer): PlainMember[] | undefined {
  const directory = zipDirectory(bytes);
  if (directory === undefined) return undefined;
  const { members, eocd, shift, end } = directory;
  const u16 = (at: number) => bytes.readUInt16LE(eocd + at);
  const u32 = (at: number) => bytes.readUInt32LE(eocd + at);
  // One disk; nothing prepended; the directory ends where the end record starts, and its declared count was read whole; a comment that ends the file.
  const whole = u32(4) === 0 && shift === 0 && u32(12) + u32(16) === eocd && end === eocd && eocd + 22 + u16(20) === bytes.length;
  const counted = members.length > 0 && members.length !== 0xffff && members.length === u16(8) && members.length === u16(10);
  if (!whole || !counted || !members.every(plainMember)) return undefined;
  const plain = members.map((m): PlainMember => ({ ...m, path: m.name.replace(/\/$/, ''), folder: m.name.endsWith('/'), encrypted: false }));
  const paths = new Set(plain.map((m) => m.path));
  if (paths.size !== plain.length) return undefined;
  // A member under a file's name cannot be unpacked as named: 7z's business.
  const files = new Set(plain.filter((m) => !m.folder).map((m) => m.path));
  for (const member of plain) {
    const parts = member.path.split('/');
    for (let k = 1; k < parts.length; k++) if (files.has(parts.slice(0, k).join('/'))) return undefined;
  }
  return plain;
}

/** A member's bytes, whole and matching its size and CRC; undefined otherwise. */
function memberBytes(bytes: Buffer, member: PlainMember): Buffer | undefined {
  // One byte more than declared is enough to know the member lies; inflating further is the bomb's game.
  const data = zipRead(bytes, member, member.size + 1);
  return data !== undefined && data.length === member.size && crc32(data) === member.crc ? data : undefined;
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
