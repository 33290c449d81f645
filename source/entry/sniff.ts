import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { BroaptError } from '../errors.ts';

/**
 * MIME type of a regular file from its content, lower-case: file-type's signatures
 * first, then libmagic, which also knows text formats, else octet-stream. libmagic
 * runs in this process as in the shipped apps: a `file` per archive member cost
 * more than the member's analysis.
 */
export async function sniffMime(filePath: string): Promise<string> {
  const head = await readHead(filePath);
  // Loaded on first use: names in the BroAPT convention never need sniffing, and start-up time counts
  // (libmagic's binding alone takes ~140 ms to load).
  const { fileTypeFromBuffer } = await import('file-type');
  const signature = await fileTypeFromBuffer(head);
  if (signature) return signature.mime.toLowerCase();
  const { realMimeOf } = await import('../../apps/lib/libmagic.ts');
  return realMimeOf(head);
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
