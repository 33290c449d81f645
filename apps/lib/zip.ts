import { inflateRawSync } from 'node:zlib';

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/** The members of a ZIP archive from its central directory; empty when there is none. */
export function zipMembers(b: Buffer): ZipMember[] {
  const from = Math.max(0, b.length - 65_557);
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < from) return [];
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
      compressedSize: b.readUInt32LE(at + 20),
      size: b.readUInt32LE(at + 24),
      offset: b.readUInt32LE(at + 42) + shift,
    });
    at += 46 + nameLength + b.readUInt16LE(at + 30) + b.readUInt16LE(at + 32);
  }
  return members;
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
