/** A `\x` in a TSV field not followed by two hex digits. */
export class EscapeError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Escaped bytes are UTF-8 when they form valid UTF-8 (Bro escaped every non-ASCII byte); otherwise one char per byte. */
function bytesToText(bytes: number[]): string {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return String.fromCharCode(...bytes);
  }
}

/** Decodes Zeek's TSV escapes: `\\` is a backslash, `\xNN` a byte; any other backslash stands for itself. */
export function decodeEscapes(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  let bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char !== '\\') {
      if (bytes.length > 0) (out += bytesToText(bytes)), (bytes = []);
      out += char;
      continue;
    }
    const next = text[i + 1];
    const hex = text.slice(i + 2, i + 4);
    if (next === 'x') {
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new EscapeError(`bad escape "${text.slice(i, i + 4)}": \\x must be followed by two hex digits`);
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
      continue;
    }
    if (bytes.length > 0) (out += bytesToText(bytes)), (bytes = []);
    out += '\\';
    // Bro 2.2 wrote backslashes unescaped (`Amazon.com\, Inc.`), so only `\\` pairs up.
    if (next === '\\') i += 1;
  }
  return bytes.length > 0 ? out + bytesToText(bytes) : out;
}

function hexEscape(char: string): string {
  return [...Buffer.from(char)].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
}

export interface Escaper {
  encode(value: string): string;
  /** True when `encode(value)` is `value` itself: the common case, told without building a string. */
  plain(value: string): boolean;
}

/**
 * Escapes what Zeek escapes: the backslash, control characters and the given
 * separators; a value that equals `reserved` (the unset or empty marker) gets
 * its first character escaped so it is not read back as that marker.
 */
export function makeEscaper(separators: string, reserved: readonly string[]): Escaper {
  const pattern = new RegExp(`[\\\\\\x00-\\x1f\\x7f${separators.replace(/[\\\]^-]/g, '\\$&')}]`, 'g');
  const plain = (value: string) => {
    pattern.lastIndex = 0;
    return !reserved.includes(value) && !pattern.test(value);
  };
  return {
    plain,
    encode(value) {
      if (reserved.includes(value)) return hexEscape(value[0] as string) + value.slice(1);
      if (plain(value)) return value;
      return value.replace(pattern, (char) => (char === '\\' ? '\\\\' : hexEscape(char)));
    },
  };
}

export function makeEncoder(separators: string, reserved: readonly string[]): (value: string) => string {
  return makeEscaper(separators, reserved).encode;
}
