import { createReadStream, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * The file's bytes, gunzipped when its first bytes are gzip's magic (names lie;
 * bytes don't). The reader decodes them itself, whole lines at a time.
 */
export async function openBytes(file: string): Promise<Readable> {
  const gzip = await isGzip(file);
  // Large reads: a Zeek log is read front to back once, and fewer chunks mean fewer async hops.
  const raw: ReadStream = createReadStream(file, { highWaterMark: 1 << 16 });
  // pipeline destroys the gunzip stream with any error, so the consumer's iteration rejects with it.
  return gzip ? pipeline(raw, createGunzip(), () => {}) : raw;
}
