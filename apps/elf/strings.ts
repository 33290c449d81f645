/**
 * The text a binary carries: printable runs, and technique words hidden with
 * a one-byte XOR key (Mirai and its kin keep their tables that way so that
 * `strings` shows nothing).
 */

const MIN_RUN = 4;
/** Strings beyond this much text add nothing a rule needs and would only cost time. */
const MAX_TEXT = 16 << 20;

/** Printable ASCII runs of at least four characters, one per line, bounded in total size. */
export function printableStrings(bytes: Uint8Array): string {
  const parts: string[] = [];
  let total = 0;
  let start = -1;
  for (let i = 0; i <= bytes.length; i++) {
    const c = i < bytes.length ? bytes[i]! : 0;
    const printable = (c >= 0x20 && c < 0x7f) || c === 0x09;
    if (printable) {
      if (start < 0) start = i;
      continue;
    }
    if (start >= 0 && i - start >= MIN_RUN) {
      parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('latin1'));
      total += i - start + 1;
      if (total > MAX_TEXT) break;
    }
    start = -1;
  }
  return parts.join('\n');
}

/** Words whose only reason to be hidden is to keep a bot's purpose from view. */
const HIDDEN_WORDS = [
  'Mozilla/',
  '/bin/busybox',
  '/proc/',
  'User-Agent',
  '/dev/watchdog',
  'watchdog',
  '/bin/sh',
  'stratum+tcp',
  // Mirai's table: the files it reads, and the HTTP and game-server flood payloads.
  '/proc/net/tcp',
  '/etc/resolv.conf',
  'TSource Engine Query',
  'keep-alive',
  'x-www-form-urlencoded',
  'dosarrest',
  'cloudflare-nginx',
];
const XOR_SCAN_BYTES = 16 << 20;

/**
 * The printable strings of the file decoded with each key that hid a
 * technique word: the rest of the hidden table (C2 host, attack payloads)
 * then meets the same indicators as plain text.
 */
export function xorDecodedStrings(bytes: Buffer, keys: number[]): string {
  const hay = bytes.subarray(0, XOR_SCAN_BYTES);
  return [...new Set(keys)]
    .slice(0, 2)
    .map((key) => printableStrings(hay.map((c) => c ^ key)))
    .join('\n');
}

/** Each byte XOR the next: a one-byte XOR key cancels out, so a hidden word keeps its plain text's differences. */
function neighbourXor(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.max(0, bytes.length - 1));
  for (let i = 0; i < out.length; i++) out[i] = bytes[i]! ^ bytes[i + 1]!;
  return out;
}

/** The technique words found XOR-encoded with a non-zero one-byte key, and the keys. */
export function xorHiddenWords(bytes: Buffer): Array<{ word: string; key: number }> {
  const hay = bytes.subarray(0, XOR_SCAN_BYTES);
  // One pass to difference the file, then a native search per word, instead of a JavaScript loop per word and byte.
  const differences = neighbourXor(hay);
  const found: Array<{ word: string; key: number }> = [];
  for (const word of HIDDEN_WORDS) {
    const plain = Buffer.from(word, 'latin1');
    const pattern = neighbourXor(plain);
    for (let at = differences.indexOf(pattern); at >= 0; at = differences.indexOf(pattern, at + 1)) {
      const key = hay[at]! ^ plain[0]!;
      // Key 0 is plain text; key 0x20 only flips letter case ("WATCHDOG" is not hidden).
      if (key === 0 || key === 0x20) continue;
      found.push({ word, key });
      break;
    }
  }
  return found;
}
