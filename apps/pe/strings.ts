/**
 * Printable strings of a binary, ASCII and UTF-16LE, as `strings` and
 * `strings -el` give them. Bounded: hostile files may be all text, so the
 * scan stops at a byte budget and the output at a character budget.
 */

const MAX_SCAN_BYTES = 16 << 20;
const MAX_OUTPUT_CHARS = 8 << 20;

const printable = (byte: number) => (byte >= 0x20 && byte < 0x7f) || byte === 0x09;

export function extractStrings(bytes: Uint8Array, min = 5): string[] {
  const end = Math.min(bytes.length, MAX_SCAN_BYTES);
  const found: string[] = [];
  let budget = MAX_OUTPUT_CHARS;
  const keep = (text: string) => {
    if (budget <= 0) return;
    found.push(text);
    budget -= text.length;
  };
  let start = -1;
  for (let i = 0; i <= end; i++) {
    if (i < end && printable(bytes[i]!)) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= min) keep(Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1'));
    start = -1;
  }
  // UTF-16LE on both alignments: a printable byte, then a zero.
  for (const parity of [0, 1]) {
    // A run is kept up to 4 KiB characters; longer ones are text blobs, not strings of note.
    const chars = new Uint16Array(4096);
    let length = 0;
    for (let i = parity; i + 1 <= end; i += 2) {
      if (i + 1 < end && printable(bytes[i]!) && bytes[i + 1] === 0) {
        if (length < chars.length) chars[length] = bytes[i]!;
        length++;
        continue;
      }
      if (length >= min) keep(String.fromCharCode(...chars.subarray(0, Math.min(length, chars.length))));
      length = 0;
    }
  }
  return found;
}
