/**
 * Script bytes as text. PowerShell and VBScript are often saved as UTF-16LE
 * (with or without a BOM), so the text is decoded before any pattern runs;
 * anything with stray NULs or many control bytes is binary, not a script.
 */

/** Patterns run on at most this much text: the head of a huge file still shows what it is, and regexes stay bounded in time. */
export const MAX_TEXT_CHARS = 8 << 20;
const PROBE = 4096;

export interface ScriptText {
  text: string;
  encoding: 'utf-16le' | 'utf-16be' | 'utf-8' | 'latin1';
}

function zeroShare(bytes: Buffer, parity: number): number {
  const end = Math.min(bytes.length, PROBE);
  let zeros = 0;
  for (let i = parity; i < end; i += 2) if (bytes[i] === 0) zeros++;
  return zeros / Math.max(1, Math.ceil((end - parity) / 2));
}

/** Control bytes other than tab, CR, LF, FF, ESC and SUB (old DOS files end with ^Z). */
function controlShare(text: string): number {
  const end = Math.min(text.length, PROBE);
  let control = 0;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27 && c !== 26) || c === 0x7f) control++;
  }
  return control / Math.max(1, end);
}

function utf8OrLatin1(bytes: Buffer): ScriptText {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  const utf8 = body.toString('utf8');
  // Many replacement characters mean the file is Windows-1252/ISO-8859 text, which latin1 keeps byte for byte.
  const broken = (utf8.slice(0, PROBE).match(/\uFFFD/g) ?? []).length;
  return broken > 2 ? { text: body.toString('latin1'), encoding: 'latin1' } : { text: utf8, encoding: 'utf-8' };
}

/** The text of a script, or undefined when the bytes are binary. */
export function decodeText(raw: Buffer): ScriptText | undefined {
  const bytes = raw.subarray(0, MAX_TEXT_CHARS * 2);
  if (bytes.length === 0) return undefined;
  let decoded: ScriptText;
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes.length >= 8 && zeroShare(bytes, 1) > 0.6 && zeroShare(bytes, 0) < 0.05)) {
    decoded = { text: bytes.subarray(bytes[0] === 0xff && bytes[1] === 0xfe ? 2 : 0).toString('utf16le'), encoding: 'utf-16le' };
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    decoded = { text: swapped.swap16().toString('utf16le'), encoding: 'utf-16be' };
  } else {
    if (bytes.subarray(0, PROBE).includes(0)) return undefined;
    decoded = utf8OrLatin1(bytes);
  }
  if (controlShare(decoded.text) > 0.02) return undefined;
  return { ...decoded, text: decoded.text.slice(0, MAX_TEXT_CHARS) };
}
