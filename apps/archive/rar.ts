/**
 * RAR 1.5–4.x file headers read by hand. 7-Zip refuses to open a RAR whose
 * header fields are inconsistent (its CRCs zeroed, say), while unrar and
 * WinRAR still extract it: crafted traversal archives (`dir/../../x`, the
 * `mkdir` escape) are made that way, so their names are read here.
 */
import type { Member } from './listing.ts';

const MARKER = Buffer.from('Rar!\x1a\x07\x00', 'latin1');
const FILE_BLOCK = 0x74;
const MAX_BLOCKS = 10_000;

export function rar4Members(bytes: Buffer): Member[] {
  if (!bytes.subarray(0, MARKER.length).equals(MARKER)) return [];
  const members: Member[] = [];
  let at = MARKER.length;
  for (let blocks = 0; blocks < MAX_BLOCKS && at + 7 <= bytes.length; blocks++) {
    const type = bytes[at + 2]!;
    const flags = bytes.readUInt16LE(at + 3);
    const size = bytes.readUInt16LE(at + 5);
    if (size < 7) break;
    let data = 0;
    if (type === FILE_BLOCK && at + 32 <= bytes.length) {
      data = bytes.readUInt32LE(at + 7);
      const nameSize = bytes.readUInt16LE(at + 26);
      const nameAt = at + 32 + (flags & 0x100 ? 8 : 0);
      const raw = bytes.subarray(nameAt, Math.min(nameAt + nameSize, bytes.length));
      // Unicode names carry an 8-bit copy first, ended by a NUL.
      const ascii = flags & 0x200 && raw.includes(0) ? raw.subarray(0, raw.indexOf(0)) : raw;
      members.push({ path: ascii.toString('latin1'), size: bytes.readUInt32LE(at + 11), folder: (flags & 0xe0) === 0xe0, encrypted: (flags & 0x04) !== 0 });
    } else if (flags & 0x8000 && at + 11 <= bytes.length) {
      data = bytes.readUInt32LE(at + 7);
    }
    at += size + data;
  }
  return members;
}
