/**
 * OneNote sections (.one): files attached to a page are stored whole in
 * FileDataStoreObject blocks. Malspam attaches scripts, HTA, LNK or programs
 * behind a "double-click to view" picture; a note with such a file is
 * suspicious, one with a Windows program in it malicious.
 */
import { hasPe, RUNNABLE_NAME } from './objects.ts';
import type { Signal } from './signals.ts';

const ONENOTE_MAGIC = Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex');
const FILE_DATA_STORE = Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex');
const MAX_FILES = 256;
const SCRIPT_START = /^\s*(?:<(?:script|html|hta:|job|package)|@echo|on error resume|dim |set |function |var |\$[a-z]|powershell|cmd\b)/i;

export function isOneNote(bytes: Buffer): boolean {
  return bytes.length >= 16 && bytes.subarray(0, 16).equals(ONENOTE_MAGIC);
}

export function oneNoteSignals(bytes: Buffer): Signal[] {
  const signals: Signal[] = [];
  let files = 0;
  for (let at = bytes.indexOf(FILE_DATA_STORE); at >= 0 && files < MAX_FILES; at = bytes.indexOf(FILE_DATA_STORE, at + 16), files++) {
    if (at + 36 > bytes.length) break;
    const size = Number(bytes.readBigUInt64LE(at + 16));
    const data = bytes.subarray(at + 36, at + 36 + Math.min(size, bytes.length));
    if (hasPe(data)) signals.push({ rule: 'office.onenote.embedded-pe', weight: 10, description: 'a Windows program attached to the note' });
    else if (SCRIPT_START.test(data.subarray(0, 512).toString('latin1')) || data.subarray(0, 4).equals(Buffer.from('4c000000', 'hex'))) signals.push({ rule: 'office.onenote.embedded-script', weight: 8, description: 'a script or shortcut attached to the note' });
  }
  if (files > 0) signals.push({ rule: 'office.onenote.attachment', weight: 1, description: `${files} attached files` });
  const names = [...bytes.toString('utf16le').matchAll(/[\w\- ]{1,64}\.[a-z0-9]{2,4}\b/gi)].map((m) => m[0]).filter((name) => RUNNABLE_NAME.test(name));
  if (files > 0 && names.length > 0) signals.push({ rule: 'office.onenote.runnable-name', weight: 6, description: `attachment names that run when opened: ${[...new Set(names)].slice(0, 5).join(', ')}` });
  return signals;
}
