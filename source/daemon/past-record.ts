import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { FileRecord } from '../pipeline/record.ts';
import { rotatedFiles } from '../results/rotation.ts';

/**
 * The last record of `file` in `<logsPath>/processed.jsonl`, or in its rotated
 * days, newest first: a file the
 * history holds is not analysed again, and a caller asking again (its retry
 * after a lost answer, or after a daemon restart) gets the first analysis.
 * Read only on that path, never per scan.
 */
export async function lastRecordOf(logsPath: string, file: string): Promise<FileRecord | undefined> {
  const current = path.join(logsPath, 'processed.jsonl');
  for (const log of [current, ...rotatedFiles(current).map((rotated) => rotated.file).reverse()]) {
    const record = await lastRecordIn(log, file);
    if (record) return record;
  }
  return undefined;
}

async function lastRecordIn(log: string, file: string): Promise<FileRecord | undefined> {
  const lines = createInterface({ input: createReadStream(log), crlfDelay: Infinity });
  let last: FileRecord | undefined;
  try {
    for await (const line of lines) {
      // Cheap pre-filter: JSON-encoded, the path appears in the line as written.
      if (!line.includes(JSON.stringify(file).slice(1, -1))) continue;
      try {
        const record = JSON.parse(line) as FileRecord;
        if (record.path === file) last = record;
      } catch {
        // A line torn by a crash holds no usable record.
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return last;
}
