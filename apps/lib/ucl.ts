/**
 * The UCL decompressors UPX packs with: NRV2B, NRV2D and NRV2E, each in its
 * three bit-buffer widths (8, 16 and 32 bits). They follow UCL's n2b_d.c,
 * n2d_d.c and n2e_d.c, but every read and every copy is bounds-checked and
 * the output is capped, since the stream comes from a hostile file: a broken
 * stream ends the decoding, it never reads or writes out of range.
 */

export type NrvVariant = '2b' | '2d' | '2e';
export type BitWidth = 8 | 16 | 32;

/** UPX method numbers (conf.h M_NRV2B_LE32 …). */
export const NRV_METHODS: Record<number, { variant: NrvVariant; width: BitWidth }> = {
  2: { variant: '2b', width: 32 },
  3: { variant: '2b', width: 8 },
  4: { variant: '2b', width: 16 },
  5: { variant: '2d', width: 32 },
  6: { variant: '2d', width: 8 },
  7: { variant: '2d', width: 16 },
  8: { variant: '2e', width: 32 },
  9: { variant: '2e', width: 8 },
  10: { variant: '2e', width: 16 },
};

/** Thrown inside the decoder when the stream runs past its input or output bounds. */
class Broken extends Error {}

/** Reads the stream's flag bits, most significant first, refilled 8, 16 or 32 bits at a time (little-endian words). */
class BitReader {
  at = 0;
  private word = 0;
  private left = 0;
  private readonly src: Uint8Array;
  private readonly width: BitWidth;
  constructor(src: Uint8Array, width: BitWidth) {
    this.src = src;
    this.width = width;
  }

  byte(): number {
    if (this.at >= this.src.length) throw new Broken();
    return this.src[this.at++]!;
  }

  bit(): number {
    if (this.left === 0) {
      let word = 0;
      for (let i = 0; i < this.width; i += 8) word |= this.byte() << i;
      this.word = word >>> 0;
      this.left = this.width;
    }
    this.left--;
    return (this.word >>> this.left) & 1;
  }

  /** UCL's Elias-gamma-like number: `value = value*2 + bit` until the stop bit. */
  gamma(start: number): number {
    let value = start;
    do {
      value = value * 2 + this.bit();
      if (value > 0xffffffff) throw new Broken();
    } while (!this.bit());
    return value;
  }
}

/**
 * Decompresses one NRV stream into at most `limit` bytes. Returns the bytes
 * decoded and whether the stream reached its end marker cleanly (a truncated
 * or corrupt stream still yields what decoded before the break).
 */
export function nrvDecompress(src: Uint8Array, variant: NrvVariant, width: BitWidth, limit: number): { bytes: Buffer; complete: boolean } {
  // Grown by doubling up to `limit`, so a stream that breaks early costs little.
  let out = Buffer.allocUnsafe(Math.min(limit, 1 << 12));
  const room = (needed: number) => {
    if (needed > limit) throw new Broken();
    if (needed <= out.length) return;
    const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(needed, out.length * 2)));
    out.copy(grown, 0, 0, olen);
    out = grown;
  };
  const r = new BitReader(src, width);
  let olen = 0;
  let lastOffset = 1;
  const copy = (offset: number, length: number) => {
    if (offset > olen || offset === 0) throw new Broken();
    room(olen + length);
    for (let i = 0; i < length; i++, olen++) out[olen] = out[olen - offset]!;
  };
  try {
    for (;;) {
      while (r.bit()) {
        room(olen + 1);
        out[olen++] = r.byte();
      }
      let offset = 1;
      let length: number;
      if (variant === '2b') {
        offset = r.gamma(1);
      } else {
        for (;;) {
          offset = offset * 2 + r.bit();
          if (r.bit()) break;
          offset = (offset - 1) * 2 + r.bit();
          if (offset > 0xffffffff) throw new Broken();
        }
      }
      if (offset === 2) {
        offset = lastOffset;
        length = variant === '2b' ? -1 : r.bit();
      } else {
        offset = (offset - 3) * 256 + r.byte();
        if (offset === 0xffffffff) return { bytes: out.subarray(0, olen), complete: true };
        if (offset > 0xffffffff) throw new Broken();
        if (variant === '2b') {
          length = -1;
        } else {
          length = (offset & 1) ^ 1;
          offset = Math.floor(offset / 2);
        }
        lastOffset = ++offset;
      }
      if (variant === '2b') {
        length = r.bit() * 2 + r.bit();
        if (length === 0) length = r.gamma(1) + 2;
        length += offset > 0xd00 ? 1 : 0;
      } else if (variant === '2d') {
        length = length * 2 + r.bit();
        if (length === 0) length = r.gamma(1) + 2;
        length += offset > 0x500 ? 1 : 0;
      } else {
        if (length) length = 1 + r.bit();
        else if (r.bit()) length = 3 + r.bit();
        else length = r.gamma(1) + 3;
        length += offset > 0x500 ? 1 : 0;
      }
      copy(offset, length + 1);
    }
  } catch (error) {
    if (!(error instanceof Broken)) throw error;
    return { bytes: out.subarray(0, olen), complete: false };
  }
}
