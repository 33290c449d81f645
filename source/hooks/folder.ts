import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';

/** A Zeek log of the folder, or undefined when Zeek wrote none (the protocol never appeared). */
export function zeekLog(logDir: string, name: string): string | undefined {
  const file = path.join(logDir, name);
  return existsSync(file) ? file : undefined;
}

/** Writes JSON lines to a file, waiting for the disk when its buffer fills, so memory stays flat. */
export async function writeJsonLines(file: string, lines: AsyncIterable<object>): Promise<void> {
  const out = createWriteStream(file);
  try {
    for await (const line of lines) {
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
}
