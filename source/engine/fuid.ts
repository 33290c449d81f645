import { createHash } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A Zeek-shaped fuid (`F` + 17 base62 characters) that depends only on `parts`,
 * so extracting the same PCAP again names every file the same and the history
 * recognises what was analysed already.
 */
export function stableFuid(...parts: string[]): string {
  return stableId('F', parts);
}

/** A Zeek-shaped connection uid (`C` + 17 base62 characters), stable as stableFuid is. */
export function stableUid(...parts: string[]): string {
  return stableId('C', parts);
}

function stableId(prefix: string, parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  // 17 bytes each reduced mod 62: a slight bias, irrelevant for names that only need to be stable and distinct.
  return `${prefix}${Array.from(digest.subarray(0, 17), (byte) => BASE62[byte % 62]).join('')}`;
}
