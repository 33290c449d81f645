/**
 * A bounded, forgiving reader of a PDF's objects: finds `N G obj … endobj`
 * by scanning (not through the xref, which malware breaks on purpose),
 * decodes streams through their filters and opens object streams (/ObjStm)
 * so objects compressed inside them are seen too. Names written with `#xx`
 * escapes are decoded and remembered as obfuscation.
 */
import { type Decrypt, decryptStrings, emptyPasswordDecryptor } from './crypt.ts';
import type { PdfDocument, PdfObject } from './document.ts';
import { decodeStream, filtersOf } from './filters.ts';
import { stringBytes, tokenEnd } from './values.ts';

export const MAX_OBJECTS = 100_000;
export const MAX_DECODED_BYTES = 64 << 20;
/** Names whose escaping matters: the ones that make a PDF act. */
const WATCHED_NAMES = /^\/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|EmbeddedFiles|XFA|URI|SubmitForm|ImportData|GoToE|GoToR|RichMedia|JBIG2Decode|ObjStm|FlateDecode|AcroForm|Filter|Action|S|F|Names)$/;

function decodeNames(text: string, obfuscated: Record<string, number>): string {
  if (!text.includes('#')) return text;
  return text.replace(/\/[^\s/[\]<>(){}%]+/g, (raw) => {
    if (!/#[0-9a-fA-F]{2}/.test(raw)) return raw;
    const name = raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (WATCHED_NAMES.test(name)) obfuscated[name] = (obfuscated[name] ?? 0) + 1;
    return name;
  });
}

/**
 * Where a stream's data ends: its direct /Length when that lands on `endstream`,
 * else the next `endstream`, else (none left) where the object's body ends.
 */
function streamEnd(text: string, dict: string, start: number, fallback: number, lastEndstream: number): number {
  const length = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
  if (length) {
    const end = start + Number(length[1]);
    if (end <= text.length && /^\s*endstream/.test(text.slice(end, end + 32))) return end;
  }
  const found = start > lastEndstream ? -1 : text.indexOf('endstream', start);
  let end = found < 0 ? Math.max(start, fallback) : found;
  if (text[end - 1] === '\n') end--;
  if (text[end - 1] === '\r') end--;
  return Math.max(start, end);
}

function addObjectStream(doc: PdfDocument, container: PdfObject): void {
  const data = container.stream;
  const n = Number(/\/N\s+(\d+)/.exec(container.dict)?.[1] ?? 0);
  const first = Number(/\/First\s+(\d+)/.exec(container.dict)?.[1] ?? -1);
  if (!data || first < 0 || first > data.length) return;
  const text = data.toString('latin1');
  const pairs = [...text.slice(0, first).matchAll(/(\d+)\s+(\d+)/g)].slice(0, Math.min(n, MAX_OBJECTS));
  for (let i = 0; i < pairs.length && doc.objects.size < MAX_OBJECTS; i++) {
    const start = first + Number(pairs[i]![2]);
    const end = i + 1 < pairs.length ? first + Number(pairs[i + 1]![2]) : text.length;
    if (start > text.length || end < start) continue;
    const id = `${pairs[i]![1]} 0`;
    // An object stream's objects win over leftovers of the same number: they are what readers use.
    doc.objects.set(id, { id, dict: decodeNames(text.slice(start, end), doc.obfuscatedNames), filters: [] });
  }
}

export function readPdf(bytes: Buffer): PdfDocument {
  const text = bytes.toString('latin1');
  const doc: PdfDocument = {
    header: /%PDF-\d\.\d/.exec(text.slice(0, 1024))?.[0] ?? null,
    objects: new Map(),
    encrypted: false,
    decrypted: false,
    obfuscatedNames: {},
    budget: { left: MAX_DECODED_BYTES, bombs: [] },
    text,
  };
  const heads = /(\d+)\s+(\d+)\s+obj\b/g;
  // An object ends at `endobj` or, when that is missing, at the next object: no object hides the rest.
  const ends = /endobj|\d+\s+\d+\s+obj\b/g;
  const objectStreams: PdfObject[] = [];
  // Searching for a missing `endstream` once per stream would be quadratic: past the last one there is none.
  const lastEndstream = text.lastIndexOf('endstream');
  let match: RegExpExecArray | null;
  while ((match = heads.exec(text)) !== null && doc.objects.size < MAX_OBJECTS) {
    const id = `${match[1]} ${match[2]}`;
    const bodyStart = heads.lastIndex;
    ends.lastIndex = bodyStart;
    const bodyEnd = ends.exec(text)?.index ?? text.length;
    const streamAt = /\bstream\r?\n|\bstream(?=[\r ])/.exec(text.slice(bodyStart, bodyEnd));
    const object: PdfObject = { id, dict: '', filters: [] };
    if (streamAt) {
      object.dict = decodeNames(text.slice(bodyStart, bodyStart + streamAt.index), doc.obfuscatedNames);
      let start = bodyStart + streamAt.index + streamAt[0].length;
      if (text[start] === '\n' && streamAt[0].endsWith('\r')) start++;
      // The stream may hold `endobj` or `obj` bytes: its own end decides where scanning resumes.
      const end = streamEnd(text, object.dict, start, bodyEnd, lastEndstream);
      object.raw = bytes.subarray(start, end);
      object.filters = filtersOf(object.dict);
      heads.lastIndex = end;
    } else {
      object.dict = decodeNames(text.slice(bodyStart, bodyEnd), doc.obfuscatedNames);
      heads.lastIndex = bodyEnd;
    }
    doc.objects.set(id, object);
    if (/\/Type\s*\/ObjStm\b/.test(object.dict)) objectStreams.push(object);
  }
  doc.encrypted = /\/Encrypt\s*(\d+\s+\d+\s+R|<<)/.test(text);
  const decrypt = doc.encrypted ? decryptorOf(doc) : null;
  if (decrypt) decryptObjects(doc, decrypt);
  for (const object of doc.objects.values()) {
    if (object.raw === undefined) continue;
    // Encrypted streams are ciphertext: a failed inflate there means nothing.
    if (doc.encrypted && !doc.decrypted && !/\/Type\s*\/XRef\b/.test(object.dict)) continue;
    if (/\/Subtype\s*\/Image\b/.test(object.dict) && !object.filters.includes('FlateDecode')) continue;
    const decoded = decodeStream(object.raw, object.filters, doc.budget, object.id);
    if (decoded.complete) object.stream = decoded.data;
  }
  for (const container of objectStreams) addObjectStream(doc, container);
  return doc;
}

function decryptorOf(doc: PdfDocument): { decrypt: Decrypt; encryptId: string | null } | null {
  const { text } = doc;
  const at = /\/Encrypt\s*(?:(\d+)\s+(\d+)\s+R|(<<))/.exec(text);
  if (!at) return null;
  const encryptId = at[1] === undefined ? null : `${at[1]} ${at[2]}`;
  const start = at.index + at[0].length - 2;
  const encrypt = encryptId ? doc.objects.get(encryptId)?.dict : text.slice(start, tokenEnd(text, start));
  const id = /\/ID\s*\[\s*/.exec(text);
  const first = id ? stringBytes(text.slice(id.index + id[0].length, tokenEnd(text, id.index + id[0].length))) : null;
  try {
    const decrypt = encrypt ? emptyPasswordDecryptor(encrypt, Buffer.from(first ?? '', 'latin1')) : null;
    return decrypt ? { decrypt, encryptId } : null;
  } catch {
    // A malformed encryption dictionary is a file readers cannot open either.
    return null;
  }
}

/** Decrypts every string and stream in place; the encryption dictionary and cross-reference streams are stored in clear. */
function decryptObjects(doc: PdfDocument, { decrypt, encryptId }: { decrypt: Decrypt; encryptId: string | null }): void {
  const clearMetadata = /\/EncryptMetadata\s+false/.test(encryptId ? (doc.objects.get(encryptId)?.dict ?? '') : '');
  for (const object of doc.objects.values()) {
    if (object.id === encryptId || /\/Type\s*\/XRef\b/.test(object.dict)) continue;
    const [number, generation] = object.id.split(' ').map(Number) as [number, number];
    const own = (data: Buffer) => decrypt(data, number, generation);
    object.dict = decryptStrings(object.dict, own);
    if (object.raw && !(clearMetadata && /\/Type\s*\/Metadata\b/.test(object.dict))) object.raw = own(object.raw);
  }
  doc.decrypted = true;
}
