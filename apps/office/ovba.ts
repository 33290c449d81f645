/** MS-OVBA: the run-length compression of VBA source code in module streams. */

/** No module's source is near this; past it the rest is dropped. */
const MAX_SOURCE = 8 << 20;

/** MS-OVBA decompression of a compressed container starting at `start` (its 0x01 signature byte). */
export function decompressVba(b: Buffer, start: number): Buffer | undefined {
  if (b[start] !== 1) return undefined;
  const out: number[] = [];
  let pos = start + 1;
  while (pos + 2 <= b.length && out.length < MAX_SOURCE) {
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
    while (pos < chunkEnd && out.length - chunkStart < 4096) {
      const flags = b[pos++]!;
      // A chunk decompresses to 4096 bytes at most: more is a bomb, not VBA.
      for (let bit = 0; bit < 8 && pos < chunkEnd && out.length - chunkStart < 4096; bit++) {
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
        for (let k = 0; k < length && out.length - chunkStart < 4096; k++) out.push(out[from + k]!);
      }
    }
    pos = chunkEnd;
  }
  return Buffer.from(out);
}
