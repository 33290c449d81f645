/**
 * The two .NET metadata heaps that tell what an assembly does without
 * decoding its tables: #Strings (type, method, namespace and P/Invoke names)
 * and #US (the string literals of the code). Read-only and bounded.
 */
import { offsetOfRva, type PeInfo } from './parse.ts';

export interface DotnetNames {
  /** Identifiers: types, members, namespaces, imported native functions. */
  identifiers: string[];
  /** String literals (`ldstr`). */
  userStrings: string[];
}

const MAX_ENTRIES = 100_000;

export function readDotnet(buffer: Buffer, info: PeInfo): DotnetNames | undefined {
  const cli = offsetOfRva(info.sections, info.clr.rva);
  if (cli < 0 || cli + 16 > buffer.length) return undefined;
  const root = offsetOfRva(info.sections, buffer.readUInt32LE(cli + 8));
  if (root < 0 || root + 16 > buffer.length || buffer.readUInt32LE(root) !== 0x424a5342) return undefined;
  const versionLength = buffer.readUInt32LE(root + 12);
  let at = root + 16 + versionLength + 2;
  if (at + 2 > buffer.length) return undefined;
  const streams = Math.min(buffer.readUInt16LE(at), 16);
  at += 2;
  const names: DotnetNames = { identifiers: [], userStrings: [] };
  for (let i = 0; i < streams && at + 8 < buffer.length; i++) {
    const start = root + buffer.readUInt32LE(at);
    const size = buffer.readUInt32LE(at + 4);
    const nameEnd = buffer.indexOf(0, at + 8);
    if (nameEnd < 0 || nameEnd - at > 40) break;
    const name = buffer.toString('latin1', at + 8, nameEnd);
    at = (nameEnd + 4) & ~3;
    const heap = buffer.subarray(Math.min(start, buffer.length), Math.min(start + size, buffer.length));
    if (name === '#Strings') names.identifiers = heap.toString('utf8').split('\0').filter((s) => s !== '').slice(0, MAX_ENTRIES);
    if (name === '#US') names.userStrings = readUserStrings(heap);
  }
  return names;
}

/** #US entries: a compressed length, UTF-16LE text, one flag byte. */
function readUserStrings(heap: Buffer): string[] {
  const found: string[] = [];
  let at = 1;
  while (at < heap.length && found.length < MAX_ENTRIES) {
    const first = heap[at]!;
    let length: number;
    if ((first & 0x80) === 0) (length = first), (at += 1);
    else if ((first & 0xc0) === 0x80 && at + 1 < heap.length) (length = ((first & 0x3f) << 8) | heap[at + 1]!), (at += 2);
    else if ((first & 0xe0) === 0xc0 && at + 3 < heap.length) (length = heap.readUInt32BE(at) & 0x1fffffff), (at += 4);
    else break;
    if (length > 1) found.push(heap.toString('utf16le', at, Math.min(heap.length, at + length - 1)));
    at += length;
  }
  return found;
}
