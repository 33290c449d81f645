/**
 * Reading values out of an object's dictionary text: the raw token after a
 * key (string, name, reference, dictionary or array, nesting balanced) and
 * the text of PDF strings (literal escapes, hex, UTF-16) or of the stream a
 * reference points to. Bounded by the dictionary's length.
 */
import type { PdfDocument } from './document.ts';

/** A value longer than this is cut there: real scripts and dictionaries are smaller, and an unclosed one costs no more. */
const MAX_TOKEN_CHARS = 2 << 20;
const MAX_VALUES = 200;

/** The end of the balanced token starting at `start` (a literal string, dictionary or array). */
export function tokenEnd(text: string, start: number, limit = Math.min(text.length, start + MAX_TOKEN_CHARS)): number {
  const open = text[start];
  if (open === '(') {
    let depth = 0;
    for (let i = start; i < limit; i++) {
      const c = text[i];
      if (c === '\\') i++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return i + 1;
    }
    return limit;
  }
  if (open === '<' && text[start + 1] !== '<') {
    const end = text.indexOf('>', start);
    return end < 0 || end >= limit ? limit : end + 1;
  }
  if (open === '<' || open === '[') {
    let depth = 0;
    for (let i = start; i < limit; i++) {
      const c = text[i];
      if (c === '(') i = tokenEnd(text, i, limit) - 1;
      else if (c === '<' && text[i + 1] === '<') (depth++, i++);
      else if (c === '>' && text[i + 1] === '>') {
        i++;
        if (--depth === 0 && open === '<') return i + 1;
      } else if (c === '[') depth++;
      else if (c === ']' && --depth === 0 && open === '[') return i + 1;
    }
    return limit;
  }
  const ref = /^\d+\s+\d+\s+R\b/.exec(text.slice(start, start + 32));
  if (ref) return start + ref[0].length;
  const word = /^\/?[^\s/[\]<>(){}%]*/.exec(text.slice(start, start + 4096));
  return start + Math.max(1, word![0].length);
}

/** Every raw value the key has in the text (a dictionary may nest the same key many times). */
export function valuesOf(text: string, key: string): string[] {
  const values: string[] = [];
  const pattern = new RegExp(`/${key}(?![^\\s/[\\]<>(){}%])\\s*`, 'g');
  for (const match of text.matchAll(pattern)) {
    const start = match.index + match[0].length;
    if (start >= text.length) continue;
    values.push(text.slice(start, tokenEnd(text, start)));
    if (values.length >= MAX_VALUES) break;
  }
  return values;
}

export function valueOf(text: string, key: string): string | undefined {
  return valuesOf(text, key)[0];
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

function utf16(bytes: string): string {
  if (bytes.startsWith('\xfe\xff')) return Buffer.from(bytes.slice(2), 'latin1').swap16().toString('utf16le');
  if (bytes.startsWith('\xef\xbb\xbf')) return Buffer.from(bytes.slice(3), 'latin1').toString('utf8');
  return bytes;
}

/** The bytes (as latin1) of a PDF string token, literal or hex; null for other tokens. */
export function stringBytes(token: string): string | null {
  if (token.startsWith('(')) {
    const body = token.slice(1, token.endsWith(')') ? -1 : undefined);
    return body.replace(/\\(\r\n|[\r\n]|[0-7]{1,3}|.)/gs, (_, e: string) => {
      if (/^[0-7]/.test(e)) return String.fromCharCode(Number.parseInt(e, 8) & 0xff);
      if (/^[\r\n]/.test(e)) return '';
      return ESCAPES[e] ?? e;
    });
  }
  if (token.startsWith('<') && !token.startsWith('<<')) {
    const hex = token.slice(1, -1).replace(/[^0-9a-fA-F]/g, '');
    return Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex').toString('latin1');
  }
  return null;
}

/** The characters of a PDF string token; other tokens come back as they are. */
export function stringText(token: string): string {
  const bytes = stringBytes(token);
  if (bytes === null) return token;
  return utf16(bytes.length % 2 === 1 && bytes.startsWith('\xfe\xff') ? `${bytes}\0` : bytes);
}

/** The object a `N G R` token points at, if any. */
export function deref(doc: PdfDocument, token: string | undefined) {
  const ref = token === undefined ? null : /^(\d+)\s+(\d+)\s+R/.exec(token);
  return ref ? doc.objects.get(`${ref[1]} ${ref[2]}`) : undefined;
}

/** A string value, or the decoded stream (or direct string) behind a reference. */
export function textOf(doc: PdfDocument, token: string | undefined): string {
  if (token === undefined) return '';
  const target = deref(doc, token);
  if (!target) return stringText(token);
  if (target.stream) return utf16(target.stream.toString('latin1'));
  return stringText(target.dict.trim());
}
