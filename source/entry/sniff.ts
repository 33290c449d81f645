import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BroaptError } from '../errors.ts';

const UNKNOWN_MIME = 'application/octet-stream';

/** libmagic reads a bounded prefix, so anything slower than this is stuck, not busy. */
const LIBMAGIC_TIMEOUT_MS = 10_000;

/** `file` prints diagnostics on stdout with exit code 0; only a real `type/subtype` counts. */
const MIME_SHAPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/**
 * MIME type of a regular file from its content, lower-case: file-type's signatures
 * first, then libmagic (`file`), which also knows text formats, else octet-stream.
 */
export async function sniffMime(filePath: string): Promise<string> {
  const head = await readHead(filePath);
  // Loaded on first use: names in the BroAPT convention never need sniffing, and start-up time counts.
  const { fileTypeFromBuffer } = await import('file-type');
  const signature = await fileTypeFromBuffer(head);
  if (signature) return signature.mime.toLowerCase();
  return (await libmagicMime(head)) ?? UNKNOWN_MIME;
}

/** Enough of a file for both signature databases: containers (ZIP, OLE) name their parts early. */
const HEAD_BYTES = 64 * 1024;

/**
 * The first bytes of a regular file, read through the one handle whose type was
 * checked, so the file cannot be swapped for a link or FIFO between check and read.
 */
async function readHead(filePath: string): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  // O_NOFOLLOW: a link in the dump folder may point anywhere on the host; never read through it.
  const handle = await open(filePath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ELOOP') throw error;
    throw new BroaptError('E_NOT_REGULAR_FILE', `${filePath}: a symbolic link; broapt never reads through links, so analyse the file it points to instead.`);
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new BroaptError(
        'E_NOT_REGULAR_FILE',
        `${filePath}: not a regular file; only regular files can be sniffed, so move it out of the extracted-files folder.`,
      );
    }
    const buffer = Buffer.alloc(Math.min(HEAD_BYTES, stats.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** libmagic on the bytes already read, fed on stdin: `file` never opens the path itself. */
async function libmagicMime(head: Buffer): Promise<string | undefined> {
  const { execa } = await import('execa');
  const result = await execa('file', ['--brief', '--mime-type', '-'], {
    timeout: LIBMAGIC_TIMEOUT_MS,
    input: head,
    reject: false,
  });
  const mime = result.stdout.trim().toLowerCase();
  return result.exitCode === 0 && MIME_SHAPE.test(mime) ? mime : undefined;
}
