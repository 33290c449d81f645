/**
 * Reads a file once for every analyzer: its head (bounded), its hashes over
 * the whole file and its real MIME type. The file is opened without following
 * a link and without blocking (a FIFO swapped in must not hang a worker), and
 * is taken only when the descriptor is a regular file.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MAX_SAMPLE_BYTES, type Sample } from './analyzer.ts';
import { realMimeOf } from './libmagic.ts';

export class NotAFileError extends Error {
  readonly code = 'E_NOT_A_FILE';
}

export interface SampleOptions {
  mime?: string;
  /** The file's own name where it came from; default: the path's base name. */
  name?: string;
  childrenDir?: string | undefined;
  maxBytes?: number;
}

/** Reused for the bytes past a sample's head: reads are synchronous, so no two samples share it at once. */
const pastHead = Buffer.allocUnsafe(1 << 20);

export async function loadSample(file: string, options: SampleOptions = {}): Promise<Sample> {
  const max = options.maxBytes ?? MAX_SAMPLE_BYTES;
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new NotAFileError(`${file} is not a regular file: not analysed`);
    const md5 = createHash('md5');
    const sha1 = createHash('sha1');
    const sha256 = createHash('sha256');
    // Shared memory: the type analyzers' thread (apps/shipped/contained.ts) reads the same bytes instead of a copy of up to 64 MiB.
    const head = Buffer.from(new SharedArrayBuffer(Math.min(stats.size, max)));
    // The head is read in place; only what lies past it (a file over the cap, or grown since the stat) goes through the chunk.
    let kept = 0;
    for (let n; kept < head.length && (n = fs.readSync(fd, head, kept, head.length - kept, null)) > 0; ) kept += n;
    const hashes = [md5, sha1, sha256];
    for (const hash of hashes) hash.update(head.subarray(0, kept));
    let size = kept;
    for (let n; (n = fs.readSync(fd, pastHead, 0, pastHead.length, null)) > 0; size += n) for (const hash of hashes) hash.update(pastHead.subarray(0, n));
    const bytes = head.subarray(0, kept);
    return {
      bytes,
      size,
      truncated: size > kept,
      path: file,
      name: options.name ?? path.basename(file),
      mime: (options.mime ?? '').toLowerCase(),
      realMime: await realMimeOf(bytes),
      hashes: { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex') },
      childrenDir: options.childrenDir,
    };
  } finally {
    fs.closeSync(fd);
  }
}
