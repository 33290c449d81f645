/**
 * UPX-packed ELF files: the packed program's bytes, so the indicators judge
 * what runs rather than the UPX stub, and the header tampering IoT malware
 * does to keep `upx -d` away (honest UPX output never alters its headers).
 */
import type { Finding } from '../lib/report.ts';
import { M_LZMA, upxUnpack } from '../lib/upx.ts';
import type { ElfInfo } from './parse.ts';

export interface Unpacked {
  findings: Finding[];
  /** The packed program's bytes laid end to end; empty when there was nothing to unpack. */
  bytes: Buffer;
}

export function unpackUpx(bytes: Buffer, info: ElfInfo): Unpacked {
  // UPX output always drops the section table; ordinary programs are not searched for UPX blocks.
  if (!info.upx && info.sections.length > 0) return { findings: [], bytes: Buffer.alloc(0) };
  const upx = upxUnpack(bytes);
  if (!upx.found) {
    return { findings: info.upx ? [{ rule: 'elf.packer.upx', description: 'UPX! marker but no UPX blocks found', severity: 'low' }] : [], bytes: upx.bytes };
  }
  const how = upx.unpacked ? `unpacked ${upx.bytes.length} bytes and analysed them` : upx.methods.includes(M_LZMA) ? 'LZMA-packed, not unpacked' : 'the blocks did not decode';
  const findings: Finding[] = [{ rule: 'elf.packer.upx', description: `packed with UPX (common for honest tools too): ${how}`, severity: 'low' }];
  if (upx.tampering.length > 0) {
    findings.push({ rule: 'elf.packer.upx-tampered', description: `UPX headers altered so that upx -d refuses the file (IoT malware habit): ${upx.tampering.join('; ')}`, severity: 'medium' });
  }
  return { findings, bytes: upx.bytes };
}
