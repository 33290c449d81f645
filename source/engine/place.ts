import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { extension as mimeExtension } from 'mime-types';
import { sniffMime } from '../entry/sniff.ts';

export interface PlacedFile {
  path: string;
  /** Relative to the dump folder: files.log's `extracted` column. */
  localName: string;
  mime: string;
  size: number;
  md5: string;
  sha1: string;
  sha256: string;
}

/** An extension taken from a name out of the traffic must be plain, or it could break the name's shape. */
const PLAIN_EXTENSION = /^[A-Za-z0-9]{1,16}$/;
/** A declared type becomes two folder names: only a plain text type may. */
const PLAIN_TEXT_MIME = /^text\/[a-z0-9][a-z0-9.+-]{0,63}$/;

/**
 * Moves an exported object into `<dump>/<media>/<subtype>/` under its BroAPT
 * name `PROTOCOL-FUID.PCAP.MEDIA.SUBTYPE.EXT` (docs/naming.md), MIME from the
 * content, extension from the exported name when it is plain, else from the MIME.
 * `mime`: what the protocol says the object is, over the content's type.
 * `declaredMime`: what the sender said (a mail part's Content-Type); it names
 * a text the sniffer calls some other text, as Zeek does (an attachment
 * NEWS.txt with a few tags is text/plain), but never hides a binary.
 */
export async function placeFile(options: { source: string; protocol: string; fuid: string; pcap: string; dumpDir: string; exportedName: string; mime?: string; declaredMime?: string }): Promise<PlacedFile> {
  const { source, protocol, fuid, pcap, dumpDir, exportedName, declaredMime } = options;
  const sniffed = options.mime ?? (await sniffMime(source));
  const mime = declaredMime !== undefined && PLAIN_TEXT_MIME.test(declaredMime) && sniffed.startsWith('text/') ? declaredMime : sniffed;
  const [media = 'application', subtype = 'octet-stream'] = mime.split('/');
  const given = path.extname(exportedName).slice(1);
  const extension = PLAIN_EXTENSION.test(given) ? given : mimeExtension(mime) || '';
  const localName = path.join(media, subtype, `${protocol}-${fuid}.${pcap}.${media}.${subtype}.${extension}`);
  const target = path.join(dumpDir, localName);
  await mkdir(path.dirname(target), { recursive: true });
  await moveFile(source, target);
  return { path: target, localName, mime, ...(await fileDigests(target)) };
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    // The logs and the dump folder may sit on different file systems.
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
    await rm(from);
  }
}

/** `noFollow` for files of the dump folder, which are hostile: a link there is never followed (a PCAP named by the user may be one). */
export async function fileDigests(file: string, options: { noFollow?: boolean } = {}): Promise<{ size: number; md5: string; sha1: string; sha256: string }> {
  const hashes = ['md5', 'sha1', 'sha256'].map((name) => createHash(name));
  let size = 0;
  const handle = await open(file, constants.O_RDONLY | (options.noFollow ? constants.O_NOFOLLOW : 0));
  for await (const chunk of handle.createReadStream()) {
    size += (chunk as Buffer).length;
    for (const hash of hashes) hash.update(chunk as Buffer);
  }
  const [md5 = '', sha1 = '', sha256 = ''] = hashes.map((hash) => hash.digest('hex'));
  return { size, md5, sha1, sha256 };
}
