/**
 * ELF header parsing: header, segments, sections, interpreter, imports and
 * exports. Every offset is bounds-checked and every table capped, since the
 * file is hostile.
 */
import { elfHeader, programHeader } from '../lib/elf-header.ts';

export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  type: string;
  machine: number;
  entry: number;
  interpreter: string | null;
  sections: string[];
  /** Sections with file bytes (not SHT_NOBITS): where each lies, for content checks. */
  sectionExtents: Array<{ name: string; offset: number; size: number }>;
  stripped: boolean;
  /** Undefined dynamic symbols: what the program takes from its libraries. */
  imports: string[];
  /** Defined dynamic symbols: what a shared object offers, and so may interpose. */
  exports: string[];
  libraries: string[];
  /** Program headers of note: loadable segments and their permissions (PF_X 1, PF_W 2, PF_R 4). */
  segments: Array<{ type: number; offset: number; fileSize: number; flags: number; vaddr: number }>;
  upx: boolean;
}

const TYPES: Record<number, string> = { 1: 'relocatable', 2: 'executable', 3: 'shared-object', 4: 'core' };

/** The ELF's headers, or undefined when the bytes are no ELF. Every offset is bounds-checked. */
export function parseElf(b: Buffer): ElfInfo | undefined {
  const header = elfHeader(b);
  if (header === undefined) return undefined;
  const { bits, little, phoff, phentsize, phnum, shoff, shentsize, shnum, shstrndx, u16, u32, addr } = header;
  const cstr = (o: number) => {
    if (o < 0 || o >= b.length) return '';
    const end = b.indexOf(0, o);
    return b.toString('latin1', o, end < 0 ? Math.min(b.length, o + 256) : Math.min(end, o + 4096));
  };
  let interpreter: string | null = null;
  const segments: ElfInfo['segments'] = [];
  for (let i = 0; i < Math.min(phnum, 256); i++) {
    const at = phoff + i * phentsize;
    if (phentsize === 0 || at + phentsize > b.length) break;
    const segment = programHeader(header, at);
    if (segment.type === 3) interpreter = cstr(segment.offset); // PT_INTERP
    segments.push(segment);
  }
  const sections: Array<{ name: number; type: number; offset: number; size: number; link: number; entsize: number }> = [];
  for (let i = 0; i < Math.min(shnum, 4096); i++) {
    const at = shoff + i * shentsize;
    if (shentsize === 0 || at + shentsize > b.length) break;
    sections.push(
      bits === 64
        ? { name: u32(at), type: u32(at + 4), offset: addr(at + 24), size: addr(at + 32), link: u32(at + 40), entsize: addr(at + 56) }
        : { name: u32(at), type: u32(at + 4), offset: u32(at + 16), size: u32(at + 20), link: u32(at + 24), entsize: u32(at + 36) },
    );
  }
  const names = sections[shstrndx];
  const sectionNames = sections.map((s) => (names ? cstr(names.offset + s.name) : ''));
  const imports: string[] = [];
  const exports: string[] = [];
  const libraries: string[] = [];
  for (const s of sections) {
    const strings = sections[s.link];
    if (!strings) continue;
    if (s.type === 11 && s.entsize > 0) {
      // SHT_DYNSYM: undefined symbols (st_shndx 0) with a name are imports, defined functions exports.
      for (let at = s.offset + s.entsize; at + s.entsize <= Math.min(b.length, s.offset + s.size) && imports.length + exports.length < 8192; at += s.entsize) {
        const shndx = bits === 64 ? u16(at + 6) : u16(at + 14);
        const info = bits === 64 ? (b[at + 4] ?? 0) : (b[at + 12] ?? 0);
        const name = cstr(strings.offset + u32(at)).split('@')[0]!;
        if (name === '') continue;
        if (shndx === 0) imports.push(name);
        else if ((info & 0xf) === 2) exports.push(name); // STT_FUNC
      }
    }
    if (s.type === 6 && s.entsize > 0) {
      // SHT_DYNAMIC: DT_NEEDED entries name the libraries.
      for (let at = s.offset; at + s.entsize <= Math.min(b.length, s.offset + s.size) && libraries.length < 256; at += s.entsize) {
        const tag = bits === 64 ? addr(at) : u32(at);
        if (tag === 0) break;
        if (tag === 1) libraries.push(cstr(strings.offset + (bits === 64 ? addr(at + 8) : u32(at + 4))));
      }
    }
  }
  return {
    bits,
    endian: little ? 'little' : 'big',
    type: TYPES[header.type] ?? `unknown (${header.type})`,
    machine: u16(18),
    entry: bits === 64 ? addr(24) : u32(24),
    interpreter,
    sections: sectionNames,
    sectionExtents: sections.flatMap((s, i) => (s.type === 8 || s.size === 0 ? [] : [{ name: sectionNames[i]!, offset: s.offset, size: s.size }])),
    stripped: !sectionNames.includes('.symtab'),
    imports,
    exports,
    libraries,
    segments,
    upx: b.includes('UPX!'),
  };
}
