/**
 * What a PE carries besides its own code: a second program, data appended
 * after the image, text-encoded blobs. Installers carry payloads too, so an
 * overlay counts as a dropper's only when no installer format claims it and
 * the program reads its own file and starts what it finds.
 */
import { entropyOfBytes } from '../lib/bytes.ts';
import type { Indicator } from './indicator.ts';
import type { PeInfo } from './parse.ts';

/** Magic bytes of the installers and self-extractors that append their archive: NSIS, Inno Setup, 7-Zip, RAR, ZIP, CAB, OLE (MSI), PyInstaller, AutoIt, InstallShield, WiX Burn. */
const INSTALLER_MAGICS = ['NullsoftInst', 'Inno Setup', 'zlb\x1a', 'rDlPtS', '7z\xbc\xaf\x27\x1c', 'Rar!\x1a\x07', 'PK\x03\x04', 'MSCF\0', '\xd0\xcf\x11\xe0', 'MEI\x0c\x0b\x0a\x0b\x0e', 'AU3!', 'InstallShield', '.wixburn'].map((m) => Buffer.from(m, 'latin1'));

/** `MZ` followed by a PE header at the place its e_lfanew names. */
function embeddedPeAt(bytes: Buffer, from: number, to: number): number {
  for (let at = bytes.indexOf('MZ', from), n = 0; at >= 0 && at < to && n < 10_000; at = bytes.indexOf('MZ', at + 2), n++) {
    if (at + 0x40 > bytes.length) break;
    const pe = at + bytes.readUInt32LE(at + 0x3c);
    if (pe > at && pe + 4 <= bytes.length && pe - at < 0x1000 && bytes.readUInt32LE(pe) === 0x00004550) return at;
  }
  return -1;
}

function installerOverlay(bytes: Buffer, info: PeInfo): boolean {
  const head = bytes.subarray(info.overlayOffset, Math.min(bytes.length, info.overlayOffset + 0x10000));
  const tail = bytes.subarray(Math.max(info.overlayOffset, bytes.length - 0x1000));
  const sections = info.sections.map((s) => s.name);
  return sections.includes('.wixburn') || sections.includes('.ndata') || INSTALLER_MAGICS.some((m) => head.includes(m) || tail.includes(m));
}

/** Whether the imports read the program's own file and start processes: what unpacks an appended payload. */
function readsSelfAndRuns(info: PeInfo): boolean {
  const functions = [...new Set(Object.values(info.imports).flat())];
  const has = (prefix: RegExp) => functions.some((f) => prefix.test(f));
  return has(/^GetModuleFileName/) && has(/^(ReadFile|MapViewOfFile)/) && has(/^(CreateProcess|ShellExecute|WinExec)/);
}

export function payloadIndicators(info: PeInfo, bytes: Buffer, strings: string[]): Indicator[] {
  const found: Indicator[] = [];
  const headerEnd = info.sections.reduce((min, s) => (s.rawSize > 0 ? Math.min(min, s.rawOffset) : min), Math.min(bytes.length, 0x1000));
  const embedded = embeddedPeAt(bytes, Math.max(headerEnd, 0x40), Math.min(bytes.length, 64 << 20));
  if (embedded >= 0) found.push({ rule: 'pe.embedded-pe', description: `a second program (MZ/PE header) at offset 0x${embedded.toString(16)}: a dropper carrying its payload`, weight: embedded >= info.overlayOffset ? 3 : 2 });
  const overlay = bytes.length - info.overlayOffset;
  if (overlay >= 0x2000) {
    const entropy = Number(entropyOfBytes(bytes.subarray(info.overlayOffset, info.overlayOffset + Math.min(overlay, 1 << 20))).toFixed(3));
    if (entropy > 7.5 && overlay > bytes.length >> 2) found.push({ rule: 'pe.overlay.encrypted', description: `${overlay} bytes appended after the image with entropy ${entropy}: a packed or encrypted payload`, weight: 2 });
    else found.push({ rule: 'pe.overlay', description: `${overlay} bytes appended after the image (entropy ${entropy})`, weight: 0 });
    if (entropy > 7.5 && !installerOverlay(bytes, info) && readsSelfAndRuns(info)) found.push({ rule: 'pe.overlay.dropper', description: 'reads its own file and starts processes, and the data appended to it is in no installer format: it unpacks and runs its payload', weight: 2 });
  }
  // Long runs of the Base64 alphabet mixing cases and digits are encoded data, not text.
  const encoded = strings.filter((s) => s.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(s) && /\d/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s));
  const encodedSize = encoded.reduce((sum, s) => sum + s.length, 0);
  if (encodedSize >= 0x1000) found.push({ rule: 'pe.data.encoded-blob', description: `${encodedSize} characters of Base64-encoded data in ${encoded.length} strings: a payload stored as text`, weight: 2 });
  return found;
}
