import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { type BitWidth, NRV_METHODS, type NrvVariant, nrvDecompress } from '../lib/ucl.ts';
import { upxUnpack } from '../lib/upx.ts';
import { analyseElf, parseElf } from './elf.ts';

/** Writes NRV flag bits MSB-first into words reserved where the decoder will read them, between the literal bytes. */
class BitWriter {
  private readonly out: number[] = [];
  private word = -1;
  private left = 0;
  private readonly width: BitWidth;
  constructor(width: BitWidth) {
    this.width = width;
  }
  bit(b: number) {
    if (this.left === 0) {
      this.word = this.out.length;
      for (let i = 0; i < this.width / 8; i++) this.out.push(0);
      this.left = this.width;
    }
    this.left--;
    if (b) this.out[this.word + (this.left >> 3)]! |= 1 << (this.left & 7);
  }
  byte(b: number) {
    this.out.push(b);
  }
  bytes() {
    return Buffer.from(this.out);
  }
}

/** NRV2B's offset prefix: the value's bits below its leading one, each followed by a stop flag. */
function gamma(w: BitWriter, value: number) {
  const bits = value.toString(2).slice(1);
  for (let i = 0; i < bits.length; i++) {
    w.bit(Number(bits[i]));
    w.bit(i === bits.length - 1 ? 1 : 0);
  }
}

/** NRV2D/2E's offset prefix (UCL's code_prefix_ss12), which decodes to `i + 2`. */
function ss12(w: BitWriter, i: number) {
  if (i >= 2) {
    let t = 2;
    do {
      i -= t;
      t *= 4;
    } while (i >= t);
    do {
      t /= 2;
      w.bit(Math.floor(i / t) & 1);
      w.bit(0);
      t /= 2;
      w.bit(Math.floor(i / t) & 1);
    } while (t > 2);
  }
  w.bit(i & 1);
  w.bit(1);
}

/** "abc", then a six-byte match three bytes back, then the end marker: exercises literals, matches and the stop code. */
function encode(variant: NrvVariant, width: BitWidth): Buffer {
  const w = new BitWriter(width);
  for (const c of Buffer.from('abc')) {
    w.bit(1);
    w.byte(c);
  }
  w.bit(0);
  if (variant === '2b') {
    gamma(w, 3);
    w.byte(2); // offset 3 = byte + 1
    [0, 0, 1, 1].forEach((b) => w.bit(b)); // length 5 through the long form: gamma 3, + 2
  } else {
    ss12(w, 1);
    w.byte(5); // offset (5 >> 1) + 1 = 3, low bit 1: the long length form
    w.bit(0);
    if (variant === '2d') [1, 1].forEach((b) => w.bit(b)); // gamma 3, + 2
    else [0, 1].forEach((b) => w.bit(b)); // not the short form; gamma 2, + 3
  }
  w.bit(0);
  if (variant === '2b') gamma(w, 0x1000002);
  else ss12(w, 0x1000000);
  w.byte(0xff);
  return w.bytes();
}

describe('UCL decompressors', () => {
  it.each(Object.entries(NRV_METHODS))('method %s decodes literals, a match and the end marker', (_, { variant, width }) => {
    const stream = encode(variant, width);
    expect(nrvDecompress(stream, variant, width, 1024)).toEqual({ bytes: Buffer.from('abcabcabc'), complete: true });
    // Cut short, or capped below its output, the stream ends as broken instead of reading or writing out of range.
    expect(nrvDecompress(stream.subarray(0, stream.length - 2), variant, width, 1024).complete).toBe(false);
    expect(nrvDecompress(stream, variant, width, 5)).toEqual({ bytes: Buffer.from('abc'), complete: false });
  });

  it('a match reaching before the output start is broken, not a read out of range', () => {
    const w = new BitWriter(32);
    w.bit(0);
    gamma(w, 3);
    w.byte(9);
    expect(nrvDecompress(w.bytes(), '2b', 32, 1024).complete).toBe(false);
  });
});

/** A bad corpus sample, unpacked into a temp folder for the test only. */
function badSample(corpus: string, type: string, name: string): Buffer {
  const zip = fs.readdirSync(path.join(corpus, 'bad', type)).find((f) => f.startsWith(name))!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upx-test-'));
  try {
    execFileSync('7z', ['x', '-pinfected', '-y', `-o${dir}`, path.join(corpus, 'bad', type, zip)], { stdio: 'ignore' });
    return fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rules = (bytes: Buffer) => analyseElf(bytes, parseElf(bytes)!).findings;

describe('UPX-packed ELF', () => {
  it('unpacks an NRV2B-packed bot and judges what it carries', (context) => {
    const packed = badSample(requireCorpus(context), 'elf', 'upx-packed-linux-malware');
    const upx = upxUnpack(packed);
    expect(upx).toMatchObject({ found: true, unpacked: true, methods: [2], tampering: [] });
    expect(upx.bytes.toString('latin1')).toContain('/bin/busybox');
    expect(rules(packed).find((f) => f.rule === 'elf.score')).toMatchObject({ severity: 'high' });
  });

  it('still unpacks when the UPX! magic is overwritten and p_info zeroed, and says so', (context) => {
    const packed = badSample(requireCorpus(context), 'elf', 'upx-packed-linux-malware');
    // The l_info magic and the two at the end (end-of-blocks marker, PackHeader), as IoT packers do.
    const tampered = Buffer.from(packed);
    const linfo = 64 + 3 * 56;
    for (const at of [linfo + 4, packed.lastIndexOf('UPX!'), packed.lastIndexOf('UPX!', packed.lastIndexOf('UPX!') - 1)]) tampered.write('YTS\0', at, 'latin1');
    tampered.fill(0, linfo + 16, linfo + 24);
    const upx = upxUnpack(tampered);
    expect(upx).toMatchObject({ found: true, unpacked: true });
    expect(upx.bytes).toEqual(upxUnpack(packed).bytes);
    expect(upx.tampering).toHaveLength(3);
    expect(rules(tampered).find((f) => f.rule === 'elf.packer.upx-tampered')).toMatchObject({ severity: 'medium' });
    // With the l_info gone too, the blocks are found by their shape.
    tampered.fill(0, linfo, linfo + 24);
    expect(upxUnpack(tampered)).toMatchObject({ unpacked: true, bytes: upx.bytes });
  });

  it('honest UPX releases (LZMA) are recognised, untampered and stay clean', (context) => {
    const dir = path.join(requireCorpus(context), 'benign', 'elf');
    const packed = fs.readdirSync(dir).filter((f) => f.startsWith('upx-'));
    expect(packed.length).toBeGreaterThan(3);
    for (const name of packed) {
      const bytes = fs.readFileSync(path.join(dir, name));
      expect(upxUnpack(bytes), name).toMatchObject({ found: true, unpacked: false, methods: [14], tampering: [] });
      expect(rules(bytes).filter((f) => f.severity !== 'low' && f.severity !== 'info'), name).toEqual([]);
    }
  });

  it('plain programs are not searched for UPX blocks', () => {
    expect(upxUnpack(fs.readFileSync('/usr/bin/true'))).toMatchObject({ found: false });
  });
});
