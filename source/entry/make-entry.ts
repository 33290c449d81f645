import { createHash } from 'node:crypto';
import path from 'node:path';
import { mimeOf, type Entry } from './entry.ts';
import { parseName } from './naming.ts';
import { sniffMime } from './sniff.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Zeek fuids are `F` plus up to 17 base62 characters. */
const DERIVED_FUID_DIGITS = 17;

/**
 * Describes the file at an absolute path. BroAPT names carry their MIME, so those
 * are not read at all; every other file is sniffed. `sniff` takes the name as
 * no BroAPT name whatever it looks like: an archive member's name is the
 * archive author's choice, not Zeek's.
 */
export async function makeEntry(filePath: string, options: { sniff?: boolean } = {}): Promise<Entry> {
  // The derived fuid hashes the path, so a relative one would change with the cwd.
  if (!path.isAbsolute(filePath)) throw new Error(`makeEntry needs an absolute path, got ${JSON.stringify(filePath)}`);
  const basename = path.basename(filePath);
  const parsed = options.sniff ? undefined : parseName(basename);
  if (parsed) {
    const { scheme, fuid, protocol, pcap, extension } = parsed;
    const mime = parsed.mime ?? mimeOf(await sniffMime(filePath));
    return { path: filePath, fuid, protocol, pcap, mime, extension, scheme };
  }
  return {
    path: filePath,
    fuid: derivedFuid(filePath),
    protocol: null,
    pcap: null,
    mime: mimeOf(await sniffMime(filePath)),
    extension: path.extname(basename).slice(1) || null,
    scheme: 'foreign',
  };
}

/** A stable Zeek-shaped fuid for files whose name carries none. */
function derivedFuid(filePath: string): string {
  let value = BigInt(`0x${createHash('sha256').update(filePath).digest('hex')}`);
  let digits = '';
  for (let index = 0; index < DERIVED_FUID_DIGITS; index += 1) {
    digits += BASE62[Number(value % 62n)];
    value /= 62n;
  }
  return `F${digits}`;
}
