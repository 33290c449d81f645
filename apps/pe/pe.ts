/**
 * PE analysis (application/x-dosexec, vnd.microsoft.portable-executable):
 * headers, sections with entropy, imports of note, packer hints and
 * compile-time anomalies. Reads the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import { entropyOfBytes } from '../lib/bytes.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';

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
}

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

function cString(buffer: Buffer, offset: number, max = 256): string {
  if (offset < 0 || offset >= buffer.length) return '';
  const end = buffer.indexOf(0, offset);
  return buffer.toString('latin1', offset, Math.min(end < 0 ? buffer.length : end, offset + max));
}

/** The PE's headers, or undefined when the bytes are no PE. Bounds are checked: malformed files are the norm here. */
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
  const dir = (i: number) => (dataDirs + i * 8 + 8 <= optional + optionalSize ? { rva: buffer.readUInt32LE(dataDirs + i * 8), size: buffer.readUInt32LE(dataDirs + i * 8 + 4) } : { rva: 0, size: 0 });
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
  const offsetOf = (rva: number) => {
    const section = sections.find((s) => rva >= s.virtualAddress && rva < s.virtualAddress + Math.max(s.virtualSize, s.rawSize));
    return section ? rva - section.virtualAddress + section.rawOffset : -1;
  };
  const characteristics = buffer.readUInt16LE(coff + 18);
  return {
    machine: buffer.readUInt16LE(coff),
    pe32plus,
    timestamp: buffer.readUInt32LE(coff + 4),
    characteristics,
    subsystem: buffer.readUInt16LE(optional + 68),
    entryPoint: buffer.readUInt32LE(optional + 16),
    dll: (characteristics & 0x2000) !== 0,
    dotnet: dir(14).rva !== 0,
    sections,
    imports: readImports(buffer, dir(1).rva, offsetOf, pe32plus),
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

/** Imports that together tell what a program does; each group needs `min` of its names. */
const IMPORT_GROUPS: Array<{ rule: string; names: string[]; min: number; severity: Finding['severity']; description: string }> = [
  { rule: 'pe.imports.injection', names: ['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread', 'NtUnmapViewOfSection', 'QueueUserAPC', 'SetThreadContext'], min: 2, severity: 'medium', description: 'imports for writing code into another process' },
  { rule: 'pe.imports.downloader', names: ['URLDownloadToFileA', 'URLDownloadToFileW', 'InternetOpenUrlA', 'InternetOpenUrlW', 'WinExec', 'ShellExecuteA', 'ShellExecuteW'], min: 2, severity: 'medium', description: 'imports for downloading and running a file' },
  { rule: 'pe.imports.keylogger', names: ['SetWindowsHookExA', 'SetWindowsHookExW', 'GetAsyncKeyState', 'GetKeyState'], min: 2, severity: 'low', description: 'imports for watching the keyboard' },
  { rule: 'pe.imports.anti-debug', names: ['IsDebuggerPresent', 'CheckRemoteDebuggerPresent', 'NtQueryInformationProcess'], min: 2, severity: 'low', description: 'imports for detecting a debugger' },
];

const PACKER_SECTIONS: Record<string, string> = { UPX0: 'UPX', UPX1: 'UPX', UPX2: 'UPX', '.aspack': 'ASPack', '.adata': 'ASPack', MPRESS1: 'MPRESS', MPRESS2: 'MPRESS', '.petite': 'Petite', '.themida': 'Themida', '.vmp0': 'VMProtect', '.vmp1': 'VMProtect', pec1: 'PECompact', PEC2: 'PECompact' };

export function peFindings(info: PeInfo, now = Date.now() / 1000): Finding[] {
  const findings: Finding[] = [];
  const packers = new Set(info.sections.flatMap((s) => PACKER_SECTIONS[s.name] ?? []));
  for (const packer of packers) findings.push({ rule: `pe.packer.${packer.toLowerCase()}`, description: `section names of the ${packer} packer`, severity: 'medium' });
  for (const s of info.sections) {
    if (s.executable && s.entropy > 7.2) findings.push({ rule: 'pe.section.high-entropy', description: `executable section ${JSON.stringify(s.name)} has entropy ${s.entropy}: packed or encrypted code`, severity: 'low' });
    if (s.executable && s.writable && !packers.size) findings.push({ rule: 'pe.section.writable-code', description: `section ${JSON.stringify(s.name)} is both writable and executable`, severity: 'low' });
  }
  if (info.sections.length > 0 && !info.sections.some((s) => info.entryPoint >= s.virtualAddress && info.entryPoint < s.virtualAddress + Math.max(s.virtualSize, s.rawSize)) && info.entryPoint !== 0) {
    findings.push({ rule: 'pe.entry-outside-sections', description: `entry point 0x${info.entryPoint.toString(16)} lies in no section`, severity: 'low' });
  }
  const functions = new Set(Object.values(info.imports).flat());
  for (const group of IMPORT_GROUPS) {
    const hits = group.names.filter((name) => functions.has(name));
    if (hits.length >= group.min) findings.push({ rule: group.rule, description: `${group.description}: ${hits.join(', ')}`, severity: group.severity });
  }
  if (!info.dotnet && functions.size > 0 && functions.size <= 6 && functions.has('GetProcAddress') && [...functions].some((f) => f.startsWith('LoadLibrary'))) {
    findings.push({ rule: 'pe.imports.minimal', description: `only ${functions.size} imports, with LoadLibrary and GetProcAddress: imports resolved at run time, as packers do`, severity: 'low' });
  }
  // .NET's deterministic builds put a hash in the timestamp, so it says nothing there.
  if (!info.dotnet && info.timestamp > now + 86_400) findings.push({ rule: 'pe.timestamp.future', description: `compile time ${new Date(info.timestamp * 1000).toISOString()} is in the future`, severity: 'low' });
  if (!info.dotnet && info.timestamp !== 0 && info.timestamp < 631_152_000) findings.push({ rule: 'pe.timestamp.too-old', description: `compile time ${new Date(info.timestamp * 1000).toISOString()} predates PE32 (1990)`, severity: 'info' });
  return findings;
}

export const peAnalyzer: Analyzer = {
  name: 'pe',
  accepts: (sample) => sample.bytes.length >= 0x40 && sample.bytes.readUInt16LE(0) === 0x5a4d,
  analyse(sample) {
    const info = parsePe(sample.bytes);
    if (info === undefined) return { findings: [{ rule: 'pe.malformed', description: 'not a parseable PE file', severity: 'low' }] };
    return { findings: peFindings(info), details: { ...info, timestamp: new Date(info.timestamp * 1000).toISOString(), imports: Object.fromEntries(Object.entries(info.imports).map(([dll, names]) => [dll, names.length])) } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(peAnalyzer));
