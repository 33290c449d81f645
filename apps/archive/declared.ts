/**
 * What a zip says it holds, read from its end records without listing it:
 * a count cheap enough to check before any tool (ClamAV, 7z) spends time on
 * 100,000 members.
 */
import type { Limits } from './listing.ts';

const EOCD = Buffer.from('PK\x05\x06', 'latin1');
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

/** How many members a zip's end of central directory declares (the zip64 record's count past 65,534); undefined when there is none. */
export function zipDeclaredMembers(bytes: Buffer): number | undefined {
  const from = Math.max(0, bytes.length - 65_557);
  const at = bytes.lastIndexOf(EOCD);
  if (at < from || at + 22 > bytes.length) return undefined;
  const count = bytes.readUInt16LE(at + 10);
  if (count !== 0xffff || at < 20 || bytes.readUInt32LE(at - 20) !== ZIP64_LOCATOR) return count;
  const record = Number(bytes.readBigUInt64LE(at - 12));
  if (record + 40 > bytes.length || bytes.readUInt32LE(record) !== ZIP64_EOCD) return count;
  return Number(bytes.readBigUInt64LE(record + 32));
}

/** A zip too crowded to list or scan member by member, by its own word: its count and why; undefined when it is not. */
export function crowdedZip(bytes: Buffer, limits: Limits): { members: number; why: string } | undefined {
  const members = zipDeclaredMembers(bytes);
  if (members === undefined || members <= limits.members) return undefined;
  return { members, why: `the central directory declares ${members} members, more than ARCHIVE_MAX_MEMBERS=${limits.members}` };
}
