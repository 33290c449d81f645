import { isDigit } from './address.ts';

/**
 * Whether a JSON log line is what JSON.stringify prints for the object it
 * parses to, told from its UTF-8 bytes in one pass (several times cheaper
 * than printing the object again to compare). Returns the number of keys the
 * line names (a caller compares it with the parsed object's: a repeated key
 * collapses), or -1 when unsure: the caller then compares the long way. It
 * presumes valid JSON (the caller parses it too) and is unsure of whitespace,
 * nested objects, `\u` and `\/` escapes, keys that are all digits (the object
 * orders them first), strings that may be ISO times, and numbers String()
 * would print otherwise.
 */
export function canonicalKeys(bytes: Uint8Array, from: number, to: number): number {
  if (to - from < 2 || bytes[from] !== 0x7b || bytes[to - 1] !== 0x7d) return -1;
  let keys = 0;
  let key = true;
  let arrays = 0;
  let i = from + 1;
  while (i < to - 1) {
    const code = bytes[i] as number;
    if (code === 0x22) {
      const isKey = key && arrays === 0;
      i = stringEnd(bytes, i + 1, to, isKey);
      if (i === -1) return -1;
      if (isKey) {
        if (bytes[i] !== 0x3a) return -1;
        keys++;
        key = false;
        i++;
      }
    } else if (code === 0x2c) {
      key = arrays === 0;
      i++;
    } else if (code === 0x5b || code === 0x5d) {
      arrays += code === 0x5b ? 1 : -1;
      i++;
    } else if (code === 0x2d || isDigit(code)) {
      i = numberEnd(bytes, i, to);
      if (i === -1) return -1;
    } else if (code === 0x74 || code === 0x6e) {
      // true, null
      i += 4;
    } else if (code === 0x66) {
      i += 5;
    } else {
      return -1;
    }
  }
  return keys;
}

/** The escapes JSON.stringify writes itself: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`. */
function isShortEscape(code: number): boolean {
  return code === 0x22 || code === 0x5c || code === 0x62 || code === 0x66 || code === 0x6e || code === 0x72 || code === 0x74;
}

function stringEnd(bytes: Uint8Array, from: number, to: number, isKey: boolean): number {
  if (isDigit(bytes[from] as number)) {
    // `"2024-03-24T…`: the reader turns ISO times into seconds.
    if (isDigit(bytes[from + 1] as number) && isDigit(bytes[from + 2] as number) && isDigit(bytes[from + 3] as number) && bytes[from + 4] === 0x2d) return -1;
    if (isKey && bytes[digitsEnd(bytes, from, to)] === 0x22) return -1;
  }
  for (let i = from; i < to; i++) {
    const code = bytes[i] as number;
    if (code === 0x22) return i + 1;
    if (code === 0x5c && !isShortEscape(bytes[++i] as number)) return -1;
  }
  return -1;
}

function digitsEnd(bytes: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to && isDigit(bytes[i] as number)) i++;
  return i;
}

/**
 * A number is printed back as written when it has no exponent, no trailing
 * fraction zero, is not -0, and has at most 15 significant digits (two such
 * decimals never share a double, so it is the shortest that reads back) at a
 * size String() prints without an exponent. Longer ones (Zeek's microsecond
 * times) are checked by String(Number(text)).
 */
function numberEnd(bytes: Uint8Array, from: number, to: number): number {
  const whole = bytes[from] === 0x2d ? from + 1 : from;
  let end = digitsEnd(bytes, whole, to);
  const zero = end - whole === 1 && bytes[whole] === 0x30;
  let significant = zero ? 0 : end - whole;
  if (bytes[end] === 0x2e) {
    const fraction = end + 1;
    end = digitsEnd(bytes, fraction, to);
    if (bytes[end - 1] === 0x30) return -1;
    const leading = zero ? digitsEnd(bytes, fraction, end) - fraction : 0;
    // Below 10⁻⁶ String() writes an exponent.
    if (leading >= 6) return -1;
    significant += end - fraction - leading;
  } else if (zero && whole > from) {
    return -1;
  }
  if (bytes[end] === 0x65 || bytes[end] === 0x45) return -1;
  if (significant <= 15) return end;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + from, end - from).toString('latin1');
  return String(Number(text)) === text ? end : -1;
}
