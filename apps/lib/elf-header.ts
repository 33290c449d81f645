/**
 * The ELF header and program headers, read in the file's byte order. The
 * readers give 0 past the end of the bytes, so a hostile header cannot make
 * a reader throw; callers bound their own tables.
 */

export interface ElfHeader {
  bits: 32 | 64;
  little: boolean;
  /** e_type: 1 relocatable, 2 executable, 3 shared object or PIE, 4 core. */
  type: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
  u16(at: number): number;
  u32(at: number): number;
  /** A word of the file's class: 4 bytes in a 32-bit ELF, 8 in a 64-bit one. */
  addr(at: number): number;
}

export interface ProgramHeader {
  type: number;
  offset: number;
  vaddr: number;
  fileSize: number;
  flags: number;
}

/** The header of an ELF file, or undefined when the bytes are no ELF. */
export function elfHeader(b: Buffer): ElfHeader | undefined {
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const bits = b[4] === 2 ? 64 : 32;
  const little = b[5] !== 2;
  const u16 = (o: number) => (o + 2 <= b.length ? (little ? b.readUInt16LE(o) : b.readUInt16BE(o)) : 0);
  const u32 = (o: number) => (o + 4 <= b.length ? (little ? b.readUInt32LE(o) : b.readUInt32BE(o)) : 0);
  const addr = (o: number) => (bits === 64 ? (o + 8 <= b.length ? Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : 0) : u32(o));
  const base = bits === 64 ? 52 : 40;
  return {
    bits,
    little,
    type: u16(16),
    phoff: bits === 64 ? addr(32) : u32(28),
    shoff: bits === 64 ? addr(40) : u32(32),
    phentsize: u16(base + 2),
    phnum: u16(base + 4),
    shentsize: u16(base + 6),
    shnum: u16(base + 8),
    shstrndx: u16(base + 10),
    u16,
    u32,
    addr,
  };
}

/** The program header at `at`, in the layout of the file's class. */
export function programHeader(h: ElfHeader, at: number): ProgramHeader {
  return h.bits === 64
    ? { type: h.u32(at), offset: h.addr(at + 8), vaddr: h.addr(at + 16), fileSize: h.addr(at + 32), flags: h.u32(at + 4) }
    : { type: h.u32(at), offset: h.u32(at + 4), vaddr: h.u32(at + 8), fileSize: h.u32(at + 16), flags: h.u32(at + 24) };
}
