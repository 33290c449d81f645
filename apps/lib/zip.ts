import { inflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  method: number;
  /** General purpose flags (bit 0: encrypted). */
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  /** The system that made it (3: Unix, whose mode is in the high half of `external`) and the external attributes. */
  madeBy: number;
  external: number;
}

/** A ZIP's central directory as found, and how its end record describes it. */
export interface ZipDirectory {
  members: ZipMember[];
  /** Where the end of central directory record starts. */
  eocd: number;
  /** Bytes prepended to the archive, by which every offset is shifted. */
  shift: number;
  /** Where the walk of the directory stopped: `eocd` when every entry read. */
  end: number;
}

const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** The central directory of a ZIP archive; undefined when it has none. */
export function zipDirectory(b: Buffer): ZipDirectory | undefined {
  const eocd = b.lastIndexOf(EOCD);
  if (eocd < Math.max(0, b.length - 65_557) || eocd + 22 > b.length) return undefined;
  const count = b.readUInt16LE(eocd + 10);
  // Bytes prepended to the archive shift every offset; the directory's end tells by how much (malspam pads files so).
  const shift = Math.max(0, eocd - (b.readUInt32LE(eocd + 12) + b.readUInt32LE(eocd + 16)));
  let at = b.readUInt32LE(eocd + 16) + shift;
  const members: ZipMember[] = [];
  for (let i = 0; i < count && at + 46 <= b.length && b.readUInt32LE(at) === 0x02014b50; i++) {
    const nameLength = b.readUInt16LE(at + 28);
    members.push({
      name: b.toString('utf8', at + 46, at + 46 + nameLength),
      method: b.readUInt16LE(at + 10),
      flags: b.readUInt16LE(at + 8),
      crc: b.readUInt32LE(at + 16),
      compressedSize: b.readUInt32LE(at + 20),
      size: b.readUInt32LE(at + 24),
      offset: b.readUInt32LE(at + 42) + shift,
      madeBy: b[at + 5]!,
      external: b.readUInt32LE(at + 38),
    });
    at += 46 + nameLength + b.readUInt16LE(at + 30) + b.readUInt16LE(at + 32);
  }
  return { members, eocd, shift, end: at };
}

/** The members of a ZIP archive from its central directory; empty when there is none. */
export function zipMembers(b: Buffer): ZipMember[] {
  return zipDirectory(b)?.members ?? [];
}

/** A member's bytes (stored or deflated), at most `limit` of them: a zip bomb stays small here. */
export function zipRead(b: Buffer, member: ZipMember, limit = 64 << 20): Buffer | undefined {
  if (member.offset + 30 > b.length || b.readUInt32LE(member.offset) !== 0x04034b50) return undefined;
  const start = member.offset + 30 + b.readUInt16LE(member.offset + 26) + b.readUInt16LE(member.offset + 28);
  const raw = b.subarray(start, start + member.compressedSize);
  if (member.method === 0) return raw.subarray(0, limit);
  if (member.method !== 8) return undefined;
  try {
    return inflateRawSync(raw, { maxOutputLength: limit });
  } catch {
    return undefined;
  }
}
