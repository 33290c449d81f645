import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { execa } from 'execa';
import { fileTypeFromFile } from 'file-type';
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
  await assertRegularFile(filePath);
  const signature = await fileTypeFromFile(filePath);
  if (signature) return signature.mime.toLowerCase();
  return (await libmagicMime(filePath)) ?? UNKNOWN_MIME;
}

async function assertRegularFile(filePath: string): Promise<void> {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const handle = await open(filePath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new BroaptError(
        'E_NOT_REGULAR_FILE',
        `${filePath}: not a regular file; only regular files can be sniffed, so move it out of the extracted-files folder.`,
      );
    }
  } finally {
    await handle.close();
  }
}

async function libmagicMime(filePath: string): Promise<string | undefined> {
  // --dereference: without it `file` describes a symlink itself (inode/symlink), not its target.
  const result = await execa('file', ['--brief', '--mime-type', '--dereference', '--', filePath], {
    timeout: LIBMAGIC_TIMEOUT_MS,
    stdin: 'ignore',
    reject: false,
  });
  const mime = result.stdout.trim().toLowerCase();
  return result.exitCode === 0 && MIME_SHAPE.test(mime) ? mime : undefined;
}
