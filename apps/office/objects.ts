/**
 * Signals from the streams of a compound file other than VBA: embedded OLE
 * objects (Equation Editor, Package with a program inside, OLE links to a
 * URL), DDE fields in a Word binary, encryption, and programs hidden in any
 * stream. These are the exploit and dropper techniques of Office documents
 * that carry no macro.
 */
import type { CompoundFile } from './ole.ts';
import type { Signal } from './signals.ts';

/** Equation Editor 3.0 (CVE-2017-11882, CVE-2018-0802) and its sibling class. */
const EQUATION_CLSIDS = new Set(['0002CE02-0000-0000-C000-000000000046', '0002CE03-0000-0000-C000-000000000046']);
/** File names that run when opened from a Package object. */
export const RUNNABLE_NAME = /\.(?:exe|scr|com|pif|cpl|dll|js|jse|vbs|vbe|wsf|wsh|hta|lnk|bat|cmd|ps1|jar|msi|sct|inf|reg|url|iso|chm)\b/i;

/** Printable strings of the stream, ASCII and UTF-16, for the checks that only need words. */
export function textOf(data: Buffer, limit = 8 << 20): string {
  const head = data.subarray(0, limit);
  return `${head.toString('latin1')}\n${head.toString('utf16le')}`;
}

/** An OLE1 Package (`\x01Ole10Native`): size, flags, label, then the original path of the embedded file. */
export function packageName(data: Buffer): { label: string; path: string; payload: Buffer } | undefined {
  if (data.length < 8) return undefined;
  let at = 6;
  const cstring = () => {
    const end = data.indexOf(0, at);
    if (end < 0 || end - at > 1024) return undefined;
    const text = data.toString('latin1', at, end);
    at = end + 1;
    return text;
  };
  const label = cstring();
  const path = cstring();
  if (label === undefined || path === undefined) return undefined;
  at += 4;
  cstring();
  if (at + 4 > data.length) return { label, path, payload: Buffer.alloc(0) };
  const size = data.readUInt32LE(at);
  return { label, path, payload: data.subarray(at + 4, at + 4 + size) };
}

export function hasPe(data: Buffer): boolean {
  for (let at = data.indexOf('MZ'); at >= 0 && at + 64 <= data.length; at = data.indexOf('MZ', at + 2)) {
    const pe = data.readUInt32LE(at + 60);
    if (pe >= 64 && pe < 4096 && at + pe + 4 <= data.length && data.readUInt32LE(at + pe) === 0x4550) return true;
  }
  return false;
}

export function packageSignals(data: Buffer, where: string): Signal[] {
  const pkg = packageName(data);
  if (pkg === undefined) return [];
  const name = `${pkg.label} ${pkg.path}`;
  if (hasPe(pkg.payload)) return [{ rule: 'office.object.package-pe', weight: 10, description: `${where} embeds a program: ${pkg.path || pkg.label}` }];
  if (RUNNABLE_NAME.test(name)) return [{ rule: 'office.object.package-runnable', weight: 8, description: `${where} embeds a file that runs when opened: ${pkg.path || pkg.label}` }];
  return [{ rule: 'office.object.package', weight: 1, description: `${where} embeds a file: ${pkg.path || pkg.label}` }];
}

export function compoundSignals(file: CompoundFile, where: string): Signal[] {
  const signals: Signal[] = [];
  for (const storage of file.storages) {
    if (EQUATION_CLSIDS.has(storage.clsid)) signals.push({ rule: 'office.object.equation-editor', weight: 10, description: `${where}${storage.path || '/'} is an Equation Editor 3.0 object, the target of CVE-2017-11882/CVE-2018-0802` });
  }
  for (const stream of file.streams) {
    const name = stream.path.split('/').at(-1)!;
    if (/^Equation Native$/i.test(name)) signals.push({ rule: 'office.object.equation-editor', weight: 10, description: `${where}${stream.path}: Equation Editor 3.0 data, the target of CVE-2017-11882/CVE-2018-0802` });
    if (name === '\u0001Ole10Native') signals.push(...packageSignals(stream.data, `${where}${stream.path}`));
    if (name === '\u0001CompObj' && /Equation\.3/i.test(stream.data.toString('latin1'))) signals.push({ rule: 'office.object.equation-editor', weight: 10, description: `${where}${stream.path} names Equation.3` });
    if (name === '\u0001Ole' && /(?:https?|file):\/\/|\\\\[\w.-]+\\/i.test(textOf(stream.data))) signals.push({ rule: 'office.object.ole-link', weight: 8, description: `${where}${stream.path}: an OLE link to a remote file (the CVE-2017-0199 technique)` });
    if (/^(?:EncryptionInfo|EncryptedPackage)$/.test(name)) signals.push({ rule: 'office.encrypted', weight: 3, description: `${where}: encrypted Office document: its content cannot be scanned` });
    if (/^(?:WordDocument|1Table|0Table)$/.test(name) && /\x13[\s"]*DDE(?:AUTO)?\b/i.test(textOf(stream.data))) signals.push({ rule: 'office.dde', weight: 8, description: `${where}${stream.path}: a DDE field that runs a command` });
    if (/^\u0005(?:Document)?SummaryInformation$/.test(name) && /[A-Za-z0-9+/]{4096}/.test(stream.data.toString('latin1'))) signals.push({ rule: 'office.properties-payload', weight: 6, description: `${where}${stream.path}: ${stream.data.length} bytes of document properties holding a long Base64 run (a payload a macro decodes)` });
    // Hangul Word Processor documents run embedded PostScript through their own Ghostscript: a known exploit path.
    if (/^BinData\/.*\.e?ps$/i.test(stream.path)) signals.push({ rule: 'office.hwp.postscript', weight: 8, description: `${where}${stream.path}: PostScript embedded in a Hangul document` });
    if (!/(^|\/)VBA\//i.test(stream.path) && hasPe(stream.data)) signals.push({ rule: 'office.embedded-pe', weight: 6, description: `${where}${stream.path} holds a Windows program` });
  }
  return signals;
}
