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
 * deep, the last level holding `leaf`. Members are stored, each level's
 * content is the same bytes, so the file stays small for its fan-out.
 */
export function nestedZip(perLevel: number, levels: number, leaf: Buffer | string = 'x'.repeat(1024)): Buffer {
  let content = zipOf(Array.from({ length: perLevel }, (_, i): [string, Buffer | string] => [`leaf${i}.txt`, leaf]));
  for (let level = levels - 1; level > 0; level--) content = zipOf(Array.from({ length: perLevel }, (_, i): [string, Buffer] => [`l${level}-${i}.zip`, content]));
  return content;
}
