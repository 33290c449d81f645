/**
 * Stagers: the few hundred bytes Metasploit or Cobalt Strike emit as an ELF.
 * No sections, one segment, and at the entry point code that finds its own
 * address (GetPC, the shikata_ga_nai decoder's start) or calls the kernel
 * directly (socket, connect, mmap, read, jump).
 */
import type { ElfInfo } from './parse.ts';

/** Real programs, even static and stripped, are far larger than a stager. */
const MAX_STAGER_BYTES = 4096;
const GETPC = [Buffer.from([0xd9, 0x74, 0x24, 0xf4]), Buffer.from([0xe8, 0, 0, 0, 0])];
const SYSCALL = [Buffer.from([0x0f, 0x05]), Buffer.from([0xcd, 0x80])];

/** The technique seen at the entry of a tiny section-less ELF, or undefined. */
export function stagerCode(bytes: Buffer, info: ElfInfo): string | undefined {
  if (bytes.length > MAX_STAGER_BYTES || info.sections.length > 0 || info.imports.length > 0) return undefined;
  const load = info.segments.find((s) => s.type === 1 && info.entry >= s.vaddr && info.entry < s.vaddr + s.fileSize);
  if (load === undefined) return undefined;
  const at = load.offset + (info.entry - load.vaddr);
  if (at < 0 || at >= bytes.length) return undefined;
  const code = bytes.subarray(at, Math.min(bytes.length, at + 512));
  if (GETPC.some((p) => code.includes(p))) return 'finds its own address (GetPC) to decode a payload';
  if (SYSCALL.some((p) => code.includes(p))) return 'calls the kernel directly from its entry point';
  return undefined;
}
