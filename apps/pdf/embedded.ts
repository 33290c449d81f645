/**
 * Files inside the PDF: attachments (/EmbeddedFile, named by their
 * /Filespec) go back to broapt as children, their names judged here; streams
 * that are not attachments yet hold another format (a ZIP, an executable, an
 * OLE document) are hidden payloads; and a PDF whose bytes also make a ZIP or
 * PE is a polyglot.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Child } from '../lib/analyzer.ts';
import { RUNNABLE_FILE } from './actions.ts';
import type { PdfDocument } from './document.ts';
import { deref, stringText, valueOf } from './values.ts';

export interface Attachment {
  object: string;
  name: string;
  data: Buffer | undefined;
  runnableName: boolean;
}

const MAX_CHILDREN = 50;

/** Attachments with the names their file specifications give them. */
export function attachmentsOf(doc: PdfDocument): Attachment[] {
  const names = new Map<string, string>();
  for (const spec of doc.objects.values()) {
    const ef = valueOf(spec.dict, 'EF');
    if (ef === undefined) continue;
    const target = deref(doc, valueOf(ef, 'F') ?? valueOf(ef, 'UF'));
    const name = [valueOf(spec.dict, 'UF'), valueOf(spec.dict, 'F')].map((t) => (t && /^[(<]/.test(t) && !t.startsWith('<<') ? stringText(t) : '')).find((t) => t !== '');
    if (target) names.set(target.id, (name ?? '').replace(/\0/g, ''));
  }
  const attachments: Attachment[] = [];
  for (const object of doc.objects.values()) {
    // /Type /EmbeddedFile is optional: a stream a file specification's /EF points at is an attachment too.
    if (!/\/Type\s*\/EmbeddedFile\b/.test(object.dict) && !names.has(object.id)) continue;
    const own = valueOf(object.dict, 'F');
    const name = names.get(object.id) || (own && /^[(<]/.test(own) ? stringText(own) : `embedded-${object.id.replace(' ', '-')}`);
    attachments.push({ object: object.id, name, data: object.stream, runnableName: RUNNABLE_FILE.test(name.trim()) });
  }
  return attachments;
}

/** Writes the payloads that could be decoded where broapt takes children, under safe numbered names. */
export function writeChildren(payloads: Array<{ name: string; data: Buffer | undefined }>, dir: string | undefined): Child[] {
  if (dir === undefined || dir === '') return [];
  const children: Child[] = [];
  for (const attachment of payloads) {
    if (attachment.data === undefined || children.length >= MAX_CHILDREN) continue;
    fs.mkdirSync(dir, { recursive: true });
    // The member's own name never becomes a path: it may hold ../ or a device name.
    const file = `${children.length}-${attachment.name.replace(/[^A-Za-z0-9._-]/g, '_').slice(-80)}`;
    try {
      fs.writeFileSync(path.join(dir, file), attachment.data, { flag: 'wx' });
      children.push({ path: file, member: attachment.name });
    } catch {
      // A child that cannot be written (disk full, name taken) is one the PDF's own findings still describe.
    }
  }
  return children;
}

export type Format = 'PE' | 'ZIP' | 'OLE' | 'ELF' | 'RAR' | '7z';

/** The format of a payload by its magic, a PE only with its PE header where the DOS header says. */
export function formatOf(data: Buffer): Format | null {
  if (data.length >= 64 && data[0] === 0x4d && data[1] === 0x5a) {
    const pe = data.readUInt32LE(0x3c);
    if (pe + 4 <= data.length && data.readUInt32BE(pe) === 0x50450000) return 'PE';
  }
  if (data.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) return 'ZIP';
  if (data.subarray(0, 8).equals(Buffer.from('d0cf11e0a1b11ae1', 'hex'))) return 'OLE';
  if (data.subarray(0, 4).equals(Buffer.from('\x7fELF', 'latin1'))) return 'ELF';
  if (data.subarray(0, 6).equals(Buffer.from('Rar!\x1a\x07', 'latin1'))) return 'RAR';
  if (data.subarray(0, 6).equals(Buffer.from('377abcaf271c', 'hex'))) return '7z';
  return null;
}

/** Non-attachment streams that hold another file format, decoded or (when the filter is a lie) raw. */
export function hiddenFiles(doc: PdfDocument, attachments: Attachment[]): Array<{ object: string; format: Format; data: Buffer }> {
  const attached = new Set(attachments.map((a) => a.object));
  const found: Array<{ object: string; format: Format; data: Buffer }> = [];
  for (const object of doc.objects.values()) {
    if (object.raw === undefined || attached.has(object.id)) continue;
    for (const data of [object.stream, object.raw]) {
      const format = data ? formatOf(data) : null;
      if (data && format) {
        found.push({ object: object.id, format, data });
        break;
      }
    }
  }
  return found;
}

/** A PE's DOS stub in the file's own bytes: an executable stored unpacked somewhere in the PDF. */
export function hasPeStub(doc: PdfDocument): boolean {
  return /This program (cannot be run in DOS mode|must be run under Win32)/.test(doc.text);
}

/** Another format's header where a reader of that format looks: a ZIP's end record, a PE before the PDF header. */
export function polyglotOf(doc: PdfDocument, attachments: Attachment[]): string | null {
  const head = doc.text.indexOf('%PDF-');
  if (head > 0 && formatOf(Buffer.from(doc.text.slice(0, head), 'latin1'))) return `${formatOf(Buffer.from(doc.text.slice(0, head), 'latin1'))} before the %PDF header`;
  // Readers of ZIP start from the end-of-central-directory record near the end of the file.
  const tail = doc.text.slice(-66_000);
  // An attachment stored without compression (a .zip, .docx) carries its own central directory: that is no polyglot.
  const attachedZip = attachments.some((a) => doc.objects.get(a.object)?.raw?.includes('PK\x05\x06'));
  if (!attachedZip && tail.includes('PK\x05\x06') && doc.text.includes('PK\x01\x02')) return 'ZIP central directory';
  return null;
}
