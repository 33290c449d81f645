/**
 * UPX unpacking, for analysis only: the unpacked bytes are the packed
 * program's code, strings and import names laid end to end, not a runnable
 * file. Finds UPX's own structures (upx/src/stub/src/include/header.S,
 * packhead.cpp, p_lx_elf.cpp, p_w32pe.cpp):
 *
 * - ELF: after the program headers an `l_info` (checksum, "UPX!", loader
 *   size, version, format), a `p_info` (program id, file size, block size),
 *   then `b_info` blocks (uncompressed size, compressed size, method, filter
 *   id, filter parameter, 0) each followed by its compressed bytes.
 * - PE: a PackHeader ("UPX!", version, format, method, level, checksums,
 *   sizes) after the section table; the compressed stream starts the second
 *   section (UPX1).
 *
 * IoT malware overwrites the "UPX!" magic and zeroes the p_info sizes so
 * that `upx -d` refuses the file; the b_info blocks still have to be intact
 * for the stub to unpack itself, so they are found by shape and the
 * tampering is reported. LZMA-packed files are recognised but not unpacked.
 */
import { NRV_METHODS, nrvDecompress } from './ucl.ts';

export interface UpxResult {
  /** UPX structures were found (by magic or by shape). */
  found: boolean;
  /** The compressed blocks decoded: `bytes` holds their concatenated output. */
  unpacked: boolean;
  bytes: Buffer;
  /** UPX method numbers met (2-10 NRV, 14 LZMA). */
  methods: number[];
  /** What was altered in UPX's headers (benign UPX output never is). */
  tampering: string[];
}

const MAGIC = Buffer.from('UPX!', 'latin1');
export const M_LZMA = 14;
/** The unpacked total a file may yield: analysers need the program, not a bomb. */
export const MAX_UNPACKED = 64 << 20;
const MAX_BLOCKS = 4096;
/** How far past a block to look for the next one (UPX pads between segments and puts its loader in between). */
const RESYNC_WINDOW = 64 << 10;
const PE_HEADER_PAGE = 4096;
/** PackHeader formats of PE files: UPX_F_W32PE, UPX_F_WINCE_ARM_PE, UPX_F_W64PEP. */
const PE_FORMATS = new Set([9, 21, 36]);
/** The methods UPX offers for PE: NRV2B, NRV2D and NRV2E with 32-bit flag words. */
const PE_NRV_METHODS = [2, 5, 8];
/** How far into UPX1 a stream whose header was wiped may start, and how much it must yield to be believed. */
const PE_STREAM_SEARCH = 256;
const MIN_GUESSED_OUTPUT = 4096;

const NONE: UpxResult = { found: false, unpacked: false, bytes: Buffer.alloc(0), methods: [], tampering: [] };

/** The unpacked content of a UPX-packed ELF or PE, or `found: false`. */
export function upxUnpack(bytes: Buffer, limit = MAX_UNPACKED): UpxResult {
  if (bytes.length >= 64 && bytes.readUInt32BE(0) === 0x7f454c46) return unpackElf(bytes, limit);
  if (bytes.length >= 64 && bytes.readUInt16LE(0) === 0x5a4d) return unpackPe(bytes, limit);
  return NONE;
}

interface Block {
  at: number;
  unc: number;
  cpr: number;
  method: number;
}

/** A b_info at `at` whose sizes and method make sense within the file. */
function blockAt(b: Buffer, at: number, little: boolean): Block | undefined {
  if (at < 0 || at + 12 > b.length) return undefined;
  const unc = little ? b.readUInt32LE(at) : b.readUInt32BE(at);
  const cpr = little ? b.readUInt32LE(at + 4) : b.readUInt32BE(at + 4);
  const method = b[at + 8]!;
  if (unc === 0 || unc > MAX_UNPACKED || cpr === 0 || cpr > unc || at + 12 + cpr > b.length) return undefined;
  if (cpr < unc && NRV_METHODS[method] === undefined && method !== M_LZMA) return undefined;
  return { at, unc, cpr, method };
}

/** A whole compressed stream's output, or undefined when the method is unknown or the stream broken. */
function decodeStream(data: Buffer, method: number, limit: number): Buffer | undefined {
  const nrv = NRV_METHODS[method];
  if (nrv === undefined) return undefined;
  const { bytes, complete } = nrvDecompress(data, nrv.variant, nrv.width, limit);
  return complete ? bytes : undefined;
}

/** A block's output, or undefined when the bytes do not decode to exactly its size. */
function decodeBlock(b: Buffer, block: Block): Buffer | undefined {
  const data = b.subarray(block.at + 12, block.at + 12 + block.cpr);
  if (block.cpr === block.unc) return data;
  const bytes = decodeStream(data, block.method, block.unc);
  return bytes?.length === block.unc ? bytes : undefined;
}

/** The next compressed block at or after `from`: stored blocks are only believed in a chain, never found by scanning. */
function findBlock(b: Buffer, from: number, little: boolean): Block | undefined {
  const end = Math.min(b.length - 12, from + RESYNC_WINDOW);
  for (let at = from; at <= end; at++) {
    const block = blockAt(b, at, little);
    if (block === undefined || block.cpr === block.unc) continue;
    if (block.method === M_LZMA ? lzmaHeaderAt(b, block.at + 12) : decodeBlock(b, block) !== undefined) return block;
  }
  return undefined;
}

/** UPX's two-byte LZMA header (lc+lp and pb, then lp and lc) and the range coder's always-zero first byte. */
function lzmaHeaderAt(b: Buffer, at: number): boolean {
  if (at + 3 > b.length) return false;
  const lc = b[at + 1]! & 0x0f;
  const lp = b[at + 1]! >> 4;
  return lc <= 8 && lp <= 4 && (b[at]! & 7) <= 4 && b[at]! >> 3 === lc + lp && b[at + 2] === 0;
}

function unpackElf(b: Buffer, limit: number): UpxResult {
  const bits64 = b[4] === 2;
  const little = b[5] !== 2;
  const u16 = (o: number) => (little ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (o: number) => (o + 4 <= b.length ? (little ? b.readUInt32LE(o) : b.readUInt32BE(o)) : 0);
  const phoff = bits64 ? Number(little ? b.readBigUInt64LE(32) : b.readBigUInt64BE(32)) : u32(28);
  const phdrs = phoff + u16(bits64 ? 54 : 42) * u16(bits64 ? 56 : 44);
  // l_info sits right after the program headers; p_info after it; the first b_info after that.
  const linfo = phdrs;
  const hasMagic = b.includes(MAGIC);
  const tampering: string[] = [];
  let first = blockAt(b, linfo + 24, little);
  if (first !== undefined && first.cpr < first.unc && first.method !== M_LZMA && decodeBlock(b, first) === undefined) first = undefined;
  if (first === undefined) {
    // Tampered headers or an older layout: look for the first block by shape just past the headers,
    // in files shaped like UPX output (no section table) only, so ordinary programs are not searched.
    const shnum = u16(bits64 ? 60 : 48);
    if (phdrs <= 0 || phdrs > b.length || (shnum !== 0 && !hasMagic)) return NONE;
    first = findBlock(b, phdrs, little);
    if (first === undefined) return hasMagic ? { ...NONE, found: true } : NONE;
  }
  if (first.at === linfo + 24) {
    if (!b.subarray(linfo + 4, linfo + 8).equals(MAGIC)) tampering.push('the l_info "UPX!" magic is overwritten');
    if (u32(linfo + 16) === 0 || u32(linfo + 20) === 0) tampering.push('the p_info file and block sizes are zeroed');
  } else if (!hasMagic) {
    tampering.push('no "UPX!" magic anywhere, yet UPX blocks follow the headers');
  }
  // The PackHeader closes the file, followed only by the 4-byte offset of the p_info.
  if (!b.subarray(Math.max(0, b.length - 64)).includes(MAGIC)) tampering.push('the trailing PackHeader "UPX!" magic is gone');
  return { ...walkBlocks(b, first, little, limit), tampering };
}

/** Follows the b_info chain from `first`, resynchronising across padding and the loader, and concatenates the output. */
function walkBlocks(b: Buffer, first: Block, little: boolean, limit: number): Omit<UpxResult, 'tampering'> {
  const parts: Buffer[] = [];
  const methods = new Set<number>();
  let total = 0;
  let block: Block | undefined = first;
  for (let n = 0; block !== undefined && n < MAX_BLOCKS && total < limit; n++) {
    methods.add(block.method);
    const out = decodeBlock(b, block);
    if (out !== undefined) {
      parts.push(out.subarray(0, limit - total));
      total += Math.min(out.length, limit - total);
    }
    const next: number = block.at + 12 + block.cpr;
    block = blockAt(b, next, little) ?? findBlock(b, next, little);
  }
  return { found: true, unpacked: parts.length > 0, bytes: Buffer.concat(parts), methods: [...methods] };
}

function unpackPe(b: Buffer, limit: number): UpxResult {
  const pe = b.readUInt32LE(0x3c);
  if (pe + 24 > b.length || b.readUInt32BE(pe) !== 0x50450000) return NONE;
  const sectionCount = b.readUInt16LE(pe + 6);
  const table = pe + 24 + b.readUInt16LE(pe + 20);
  const sections: Array<{ name: string; raw: number; rawSize: number }> = [];
  for (let i = 0; i < Math.min(sectionCount, 96) && table + (i + 1) * 40 <= b.length; i++) {
    const at = table + i * 40;
    sections.push({ name: b.toString('latin1', at, at + 8).replace(/\0.*$/s, ''), raw: b.readUInt32LE(at + 20), rawSize: b.readUInt32LE(at + 16) });
  }
  // The PackHeader sits in the header page, just before the compressed stream it describes.
  const found = b.subarray(0, PE_HEADER_PAGE).indexOf(MAGIC);
  const magicAt = found >= 0 && found + 32 <= b.length && PE_FORMATS.has(b[found + 5]!) && b[found + 4]! >= 10 ? found : -1;
  const named = sections.some((s) => /^UPX\d$/.test(s.name));
  const tampering: string[] = [];
  if (magicAt >= 0 && !named) tampering.push('UPX PackHeader in a file whose sections were renamed');
  if (magicAt >= 0) {
    // PackHeader (version 10 and up): method at +6, uncompressed and compressed lengths at +16 and +20.
    const method = b[magicAt + 6]!;
    const data = b.subarray(magicAt + 32, magicAt + 32 + b.readUInt32LE(magicAt + 20));
    const bytes = decodeStream(data, method, Math.min(limit, b.readUInt32LE(magicAt + 16)));
    return { found: true, unpacked: bytes !== undefined, bytes: bytes ?? Buffer.alloc(0), methods: [method], tampering };
  }
  if (!named) return NONE;
  // Magic wiped: the stream starts near the top of UPX1, behind what is left of the ident and header.
  tampering.push('UPX sections without the "UPX!" PackHeader');
  const stream = sections[1] ?? sections[0]!;
  for (let at = stream.raw; at < Math.min(b.length, stream.raw + PE_STREAM_SEARCH); at++) {
    for (const method of PE_NRV_METHODS) {
      const bytes = decodeStream(b.subarray(at, stream.raw + stream.rawSize), method, limit);
      if (bytes !== undefined && bytes.length >= MIN_GUESSED_OUTPUT) return { found: true, unpacked: true, bytes, methods: [method], tampering };
    }
  }
  return { found: true, unpacked: false, bytes: Buffer.alloc(0), methods: [], tampering };
}
