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
    let kept = 0;
    let size = 0;
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; ) {
      const part = chunk.subarray(0, n);
      md5.update(part);
      sha1.update(part);
      sha256.update(part);
      if (kept < head.length) kept += part.copy(head, kept, 0, Math.min(n, head.length - kept));
      size += n;
    }
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
