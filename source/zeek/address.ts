/** Address syntax checked by hand, char by char, on a slice of a larger text (the chunk holding a log line). */

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Where a dotted-quad IPv4 address starting at `from` ends (the first character
 * that is neither digit nor dot), or -1 when it is not one. Checked by hand:
 * addresses fill several columns of every conn.log line, and net.isIP's
 * regular expressions cost more than the rest of such a field.
 */
export function ipv4End(text: string, from: number, limit: number): number {
  let dots = 0;
  let digits = 0;
  let octet = 0;
  let i = from;
  for (; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (code === 46) {
      if (digits === 0 || dots === 3) return -1;
      dots++;
      digits = 0;
      octet = 0;
    } else if (isDigit(code)) {
      // A digit after a leading 0 (Zeek writes none; some parsers read them as octal).
      if (digits === 1 && octet === 0) return -1;
      octet = octet * 10 + code - 48;
      if (++digits > 3 || octet > 255) return -1;
    } else {
      break;
    }
  }
  return dots === 3 && digits > 0 ? i : -1;
}

export function isIPv4(value: string): boolean {
  return ipv4End(value, 0, value.length) === value.length;
}

function isHex(code: number): boolean {
  return isDigit(code) || (code >= 97 && code <= 102) || (code >= 65 && code <= 70);
}

/** The characters of the plain address forms: hex digits, `:` and `.`. */
export function isAddressChar(code: number): boolean {
  return isHex(code) || code === 58 || code === 46;
}

/**
 * IPv6 as Zeek prints it: 1–4 hex digits a group, eight groups or fewer
 * around one `::`. A false here only means "not this plain form": embedded
 * IPv4 tails and zone ids go to net.isIPv6 through the codec.
 */
export function isPlainIPv6(text: string, start: number, end: number): boolean {
  let groups = 0;
  let digits = 0;
  let gap = false;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (isHex(code)) {
      if (++digits > 4) return false;
    } else if (code === 58) {
      if (digits > 0) groups++;
      else if (i === start) {
        // Only `::` may open an address.
        if (i + 1 === end || text.charCodeAt(i + 1) !== 58) return false;
      } else if (gap || text.charCodeAt(i - 1) !== 58) return false;
      else gap = true;
      // A lone trailing `:` closes no group.
      if (i === end - 1 && digits > 0) return false;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits > 0) groups++;
  return gap ? groups <= 7 : groups === 8;
}
