/** Builds hostile archives in code for the tests and `npm run stress`: damaged members, lying sizes, nested bombs. */
import zlib from 'node:zlib';
import { zipOf } from '../../source/demo/samples.ts';

/** A zip of these members whose `broken` one is marked deflated over bytes that are no deflate stream: 7z fails on it alone. */
export function zipWithGarbageMember(members: Array<[name: string, content: Buffer | string]>, broken: string): Buffer {
  const zip = zipOf(members);
  const local = zip.indexOf(broken, 0, 'latin1') - 30;
  const central = zip.lastIndexOf(broken, undefined, 'latin1') - 46;
  zip.writeUInt16LE(8, local + 8);
  zip.writeUInt16LE(8, central + 10);
  zip.fill(0xff, local + 30 + broken.length, local + 30 + broken.length + 16);
  return zip;
}

/** A gzip of `bytes` zeros whose trailer claims `claims` bytes. */
export function lyingGzip(bytes: number, claims: number): Buffer {
  const gz = zlib.gzipSync(Buffer.alloc(bytes));
  gz.writeUInt32LE(claims, gz.length - 4);
  return gz;
}

/**
 * 42.zip's shape: a zip of `perLevel` zips, each of `perLevel` zips, `levels`
 * deep, the last level holding `leaf`. Members are deflated and each level's
 * are the same bytes, which deflate finds again within its window: 16 per
 * level, 5 levels is about 20 KB for some 70,000 members.
 */
export function nestedZip(perLevel: number, levels: number, leaf: Buffer | string = 'x'.repeat(1024)): Buffer {
  const level = (name: (i: number) => string, content: Buffer | string) => zipOf(Array.from({ length: perLevel }, (_, i): [string, Buffer | string] => [name(i), content]), { deflate: true });
  let content = level((i) => `leaf${i}.txt`, leaf);
  for (let depth = levels - 1; depth > 0; depth--) content = level((i) => `l${depth}-${i}.zip`, content);
  return content;
}

/**
 * A zip of `count` empty stored members named `f0`, `f1`, …; past 65,535 its
 * count is in a zip64 end record, as every tool writes it.
 */
export function manyEntryZip(count: number): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const name = Buffer.from(`f${i}`);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(10, 4);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(10, 6);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name);
    centrals.push(central, name);
    offset += local.length + name.length;
  }
  const directory = Buffer.concat(centrals);
  const zip64End = Buffer.alloc(56);
  zip64End.writeUInt32LE(0x06064b50, 0);
  zip64End.writeBigUInt64LE(44n, 4);
  zip64End.writeUInt16LE(45, 12);
  zip64End.writeUInt16LE(45, 14);
  zip64End.writeBigUInt64LE(BigInt(count), 24);
  zip64End.writeBigUInt64LE(BigInt(count), 32);
  zip64End.writeBigUInt64LE(BigInt(directory.length), 40);
  zip64End.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(count, 0xffff), 8);
  end.writeUInt16LE(Math.min(count, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, ...(count > 0xfffe ? [zip64End, locator] : []), end]);
}
