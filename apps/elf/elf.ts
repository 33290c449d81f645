/**
 * ELF analysis (application/x-executable, x-sharedlib, x-pie-executable):
 * header, sections, interpreter, stripped or not, and imports of note. Reads
 * the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';

export interface ElfInfo {
  bits: 32 | 64;
  endian: 'little' | 'big';
  type: string;
  machine: number;
  entry: number;
  interpreter: string | null;
  sections: string[];
  stripped: boolean;
  /** Undefined dynamic symbols: what the program takes from its libraries. */
  imports: string[];
  libraries: string[];
  upx: boolean;
}

const TYPES: Record<number, string> = { 1: 'relocatable', 2: 'executable', 3: 'shared-object', 4: 'core' };

/** The ELF's headers, or undefined when the bytes are no ELF. Every offset is bounds-checked. */
export function parseElf(b: Buffer): ElfInfo | undefined {
  if (b.length < 52 || b.readUInt32BE(0) !== 0x7f454c46) return undefined;
  const bits = b[4] === 2 ? 64 : 32;
  const little = b[5] !== 2;
  const u16 = (o: number) => (o + 2 <= b.length ? (little ? b.readUInt16LE(o) : b.readUInt16BE(o)) : 0);
  const u32 = (o: number) => (o + 4 <= b.length ? (little ? b.readUInt32LE(o) : b.readUInt32BE(o)) : 0);
  const addr = (o: number) => (bits === 64 ? (o + 8 <= b.length ? Number(little ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : 0) : u32(o));
  const [phoff, shoff] = bits === 64 ? [addr(32), addr(40)] : [u32(28), u32(32)];
  const base = bits === 64 ? 52 : 40;
  const phentsize = u16(base + 2);
  const phnum = u16(base + 4);
  const shentsize = u16(base + 6);
  const shnum = u16(base + 8);
  const shstrndx = u16(base + 10);
  const cstr = (o: number) => {
    if (o < 0 || o >= b.length) return '';
    const end = b.indexOf(0, o);
    return b.toString('latin1', o, end < 0 ? Math.min(b.length, o + 256) : Math.min(end, o + 4096));
  };
  let interpreter: string | null = null;
  for (let i = 0; i < Math.min(phnum, 256); i++) {
    const at = phoff + i * phentsize;
    if (u32(at) === 3) interpreter = cstr(bits === 64 ? addr(at + 8) : u32(at + 4)); // PT_INTERP
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
  const libraries: string[] = [];
  for (const s of sections) {
    const strings = sections[s.link];
    if (!strings) continue;
    if (s.type === 11 && s.entsize > 0) {
      // SHT_DYNSYM: undefined symbols (st_shndx 0) with a name are imports.
      for (let at = s.offset + s.entsize; at + s.entsize <= Math.min(b.length, s.offset + s.size) && imports.length < 4096; at += s.entsize) {
        const shndx = bits === 64 ? u16(at + 6) : u16(at + 14);
        const name = cstr(strings.offset + u32(at));
        if (shndx === 0 && name !== '') imports.push(name.split('@')[0]!);
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
    type: TYPES[u16(16)] ?? `unknown (${u16(16)})`,
    machine: u16(18),
    entry: bits === 64 ? addr(24) : u32(24),
    interpreter,
    sections: sectionNames,
    stripped: !sectionNames.includes('.symtab'),
    imports,
    libraries,
    upx: b.includes('UPX!'),
  };
}

/** `maxImports`: big programs (ssh) legitimately combine these; the droppers that do are small. */
const IMPORT_GROUPS: Array<{ rule: string; all: string[]; any?: string[]; maxImports?: number; severity: Finding['severity']; description: string }> = [
  { rule: 'elf.imports.reverse-shell', all: ['socket', 'connect', 'dup2'], any: ['execve', 'execl', 'execlp', 'execvp', 'system'], maxImports: 60, severity: 'medium', description: 'imports to connect out and hand the socket to a shell' },
  { rule: 'elf.imports.fileless-exec', all: ['memfd_create'], any: ['fexecve', 'execve', 'execveat'], severity: 'medium', description: 'imports to run a program from memory' },
  { rule: 'elf.imports.ptrace', all: ['ptrace'], severity: 'low', description: 'imports ptrace (anti-debugging or injection)' },
  { rule: 'elf.imports.privilege', all: ['setuid', 'setgid'], any: ['execve', 'system'], severity: 'low', description: 'imports to change identity and run programs' },
];

const USUAL_INTERPRETER = /^\/(usr\/)?lib(32|64|x32)?\/(.*\/)?ld-(linux|musl)[\w.-]*\.so(\.\d+)*$/;

export function elfFindings(info: ElfInfo): Finding[] {
  const findings: Finding[] = [];
  if (info.upx) findings.push({ rule: 'elf.packer.upx', description: 'UPX! marker: packed with UPX', severity: 'medium' });
  if (info.sections.length === 0 && info.type !== 'core') findings.push({ rule: 'elf.no-section-headers', description: 'no section headers: stripped to hinder analysis', severity: 'low' });
  if (info.interpreter !== null && !USUAL_INTERPRETER.test(info.interpreter)) findings.push({ rule: 'elf.unusual-interpreter', description: `program interpreter ${JSON.stringify(info.interpreter)}`, severity: 'low' });
  const imports = new Set(info.imports);
  for (const group of IMPORT_GROUPS) {
    const needed =
      group.all.every((name) => imports.has(name)) && (group.any === undefined || group.any.some((name) => imports.has(name))) && imports.size <= (group.maxImports ?? Number.POSITIVE_INFINITY);
    if (needed) findings.push({ rule: group.rule, description: `${group.description}: ${[...group.all, ...(group.any ?? []).filter((n) => imports.has(n))].join(', ')}`, severity: group.severity });
  }
  return findings;
}

export const elfAnalyzer: Analyzer = {
  name: 'elf',
  accepts: (sample) => sample.bytes.length >= 52 && sample.bytes.readUInt32BE(0) === 0x7f454c46,
  analyse(sample) {
    const info = parseElf(sample.bytes);
    if (info === undefined) return { findings: [{ rule: 'elf.malformed', description: 'not a parseable ELF file', severity: 'low' }] };
    return { findings: elfFindings(info), details: { ...info, imports: info.imports.slice(0, 200), importCount: info.imports.length } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(elfAnalyzer));
