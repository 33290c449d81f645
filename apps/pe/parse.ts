/**
 * PE headers read from bytes: sections with entropy, data directories,
 * imports and the overlay. Bounds are checked everywhere: malformed files are
 * the norm here, and a parse never throws on them.
 */
import { entropyOfBytes } from '../lib/bytes.ts';

export interface Section {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  rawSize: number;
  rawOffset: number;
  entropy: number;
  executable: boolean;
  writable: boolean;
}

export interface DataDirectory {
  rva: number;
  size: number;
}

export interface PeInfo {
  machine: number;
  pe32plus: boolean;
  timestamp: number;
  characteristics: number;
  subsystem: number;
  entryPoint: number;
  dll: boolean;
  dotnet: boolean;
  sections: Section[];
  /** DLL name → imported function names (ordinals as `#n`). */
  imports: Record<string, string[]>;
  /** Exported functions: how many there are, and the names of those exported by name. */
  exports: { count: number; names: string[] };
  /** The Authenticode blob (directory 4: a file offset, not an RVA). */
  security: DataDirectory;
  /** The CLI header of a .NET assembly (directory 14). */
  clr: DataDirectory;
  /** Where the data after the last section starts, the signature excluded; equal to the file size when there is none. */
  overlayOffset: number;
  /** Whether the linker's Rich header sits between the DOS stub and the PE header. */
  rich: boolean;
}

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

export function cString(buffer: Buffer, offset: number, max = 256): string {
  if (offset < 0 || offset >= buffer.length) return '';
  const end = buffer.indexOf(0, offset);
  return buffer.toString('latin1', offset, Math.min(end < 0 ? buffer.length : end, offset + max));
}

/** The file offset of an RVA, or -1 when no section maps it. */
export function offsetOfRva(sections: Section[], rva: number): number {
  const section = sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
  return section ? rva - section.virtualAddress + section.rawOffset : -1;
}

/** The PE's headers, or undefined when the bytes are no PE. */
export function parsePe(buffer: Buffer): PeInfo | undefined {
  if (buffer.length < 0x40 || buffer.readUInt16LE(0) !== 0x5a4d) return undefined;
  const pe = buffer.readUInt32LE(0x3c);
  if (pe + 24 > buffer.length || buffer.readUInt32LE(pe) !== 0x00004550) return undefined;
  const coff = pe + 4;
  const sectionCount = buffer.readUInt16LE(coff + 2);
  const optionalSize = buffer.readUInt16LE(coff + 16);
  const optional = coff + 20;
  if (optional + optionalSize > buffer.length || optionalSize < 0x60) return undefined;
  const pe32plus = buffer.readUInt16LE(optional) === 0x20b;
  const dataDirs = optional + (pe32plus ? 112 : 96);
  const dir = (i: number): DataDirectory => (dataDirs + i * 8 + 8 <= optional + optionalSize ? { rva: buffer.readUInt32LE(dataDirs + i * 8), size: buffer.readUInt32LE(dataDirs + i * 8 + 4) } : { rva: 0, size: 0 });
  const sections: Section[] = [];
  const table = optional + optionalSize;
  for (let i = 0; i < Math.min(sectionCount, 96); i++) {
    const at = table + i * 40;
    if (at + 40 > buffer.length) break;
    const rawSize = buffer.readUInt32LE(at + 16);
    const rawOffset = buffer.readUInt32LE(at + 20);
    const flags = buffer.readUInt32LE(at + 36);
    sections.push({
      name: cString(buffer, at, 8),
      virtualSize: buffer.readUInt32LE(at + 8),
      virtualAddress: buffer.readUInt32LE(at + 12),
      rawSize,
      rawOffset,
      entropy: Number(entropyOfBytes(buffer.subarray(rawOffset, Math.min(buffer.length, rawOffset + rawSize))).toFixed(3)),
      executable: (flags & IMAGE_SCN_MEM_EXECUTE) !== 0,
      writable: (flags & IMAGE_SCN_MEM_WRITE) >>> 0 !== 0,
    });
  }
  const characteristics = buffer.readUInt16LE(coff + 18);
  const security = dir(4);
  const clr = dir(14);
  const imageEnd = sections.reduce((end, s) => (s.rawSize > 0 ? Math.max(end, Math.min(buffer.length, s.rawOffset + s.rawSize)) : end), optional + optionalSize);
  // The signature is appended at the end; it is no overlay of the program's own.
  const signedEnd = security.size > 0 && security.rva >= imageEnd && security.rva <= buffer.length ? security.rva : buffer.length;
  return {
    machine: buffer.readUInt16LE(coff),
    pe32plus,
    timestamp: buffer.readUInt32LE(coff + 4),
    characteristics,
    subsystem: buffer.readUInt16LE(optional + 68),
    entryPoint: buffer.readUInt32LE(optional + 16),
    dll: (characteristics & 0x2000) !== 0,
    dotnet: clr.rva !== 0,
    sections,
    imports: readImports(buffer, dir(1).rva, (rva) => offsetOfRva(sections, rva), pe32plus),
    exports: readExports(buffer, dir(0).rva, (rva) => offsetOfRva(sections, rva)),
    security,
    clr,
    overlayOffset: imageEnd < signedEnd ? imageEnd : buffer.length,
    rich: buffer.subarray(0x40, Math.min(pe, 0x400)).includes('Rich'),
  };
}

function readImports(buffer: Buffer, rva: number, offsetOf: (rva: number) => number, pe32plus: boolean): Record<string, string[]> {
  const imports: Record<string, string[]> = {};
  let descriptor = rva === 0 ? -1 : offsetOf(rva);
  for (let n = 0; descriptor >= 0 && descriptor + 20 <= buffer.length && n < 512; n++, descriptor += 20) {
    const lookup = buffer.readUInt32LE(descriptor) || buffer.readUInt32LE(descriptor + 16);
    const nameRva = buffer.readUInt32LE(descriptor + 12);
    if (nameRva === 0) break;
    const names: string[] = [];
    let thunk = offsetOf(lookup);
    const width = pe32plus ? 8 : 4;
    for (let k = 0; thunk >= 0 && thunk + width <= buffer.length && k < 4096; k++, thunk += width) {
      const value = pe32plus ? buffer.readBigUInt64LE(thunk) : BigInt(buffer.readUInt32LE(thunk));
      if (value === 0n) break;
      const ordinal = pe32plus ? value >> 63n === 1n : value >> 31n === 1n;
      names.push(ordinal ? `#${Number(value & 0xffffn)}` : cString(buffer, offsetOf(Number(value & 0x7fffffffn)) + 2));
    }
    imports[cString(buffer, offsetOf(nameRva)).toLowerCase()] = names;
  }
  return imports;
}

/** The export directory: its function count and up to 4096 names. */
function readExports(buffer: Buffer, rva: number, offsetOf: (rva: number) => number): { count: number; names: string[] } {
  const at = rva === 0 ? -1 : offsetOf(rva);
  if (at < 0 || at + 40 > buffer.length) return { count: 0, names: [] };
  const names: string[] = [];
  const nameTable = offsetOf(buffer.readUInt32LE(at + 32));
  for (let i = 0; nameTable >= 0 && i < Math.min(buffer.readUInt32LE(at + 24), 4096) && nameTable + i * 4 + 4 <= buffer.length; i++) {
    const name = cString(buffer, offsetOf(buffer.readUInt32LE(nameTable + i * 4)));
    if (name !== '') names.push(name);
  }
  return { count: buffer.readUInt32LE(at + 20), names };
}
