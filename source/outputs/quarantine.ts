import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Alert } from './alert.ts';
import type { BatchOutcome, Output } from './lane.ts';

/** What the quarantine output spools: the alert, and the record the `.json` beside the copy holds. */
export interface QuarantineItem {
  alert: Alert;
  record: Record<string, unknown>;
}

const CHUNK = 1 << 20;

/** Copies the file, never through a link, hashing what it copies; the copy is the content that hash names. */
async function copyHashed(source: string, target: string): Promise<string> {
  const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await input.stat()).isFile()) throw Object.assign(new Error(`${source} is not a regular file`), { code: 'ENOTREG' });
    const output = await open(target, 'wx', 0o600);
    const hash = createHash('sha256');
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      for (let n; (n = (await input.read(buffer, 0, CHUNK, null)).bytesRead) > 0; ) {
        hash.update(buffer.subarray(0, n));
        await output.write(buffer, 0, n);
      }
      await output.sync();
    } finally {
      await output.close();
    }
    return hash.digest('hex');
  } finally {
    await input.close();
  }
}

async function quarantine(dir: string, item: QuarantineItem): Promise<string | undefined> {
  const { alert, record } = item;
  const sha256 = alert.sha256;
  if (sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return 'the record has no sha256 to name the copy by';
  const target = path.join(dir, sha256);
  if (!(await stat(target).catch(() => undefined))) {
    const temporary = path.join(dir, `.${sha256}.${process.pid}.part`);
    await rm(temporary, { force: true });
    let copied: string;
    try {
      copied = await copyHashed(alert.path, temporary);
    } catch (error) {
      await rm(temporary, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      // Gone, replaced by a link, or not a file any more: no later attempt can do better.
      if (code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTREG') return `${alert.path} cannot be copied (${code})`;
      throw error;
    }
    if (copied !== sha256) {
      await rm(temporary, { force: true });
      return `${alert.path} changed since it was analysed (sha256 ${copied})`;
    }
    await chmod(temporary, 0o400);
    await rename(temporary, target);
  }
  await writeFile(path.join(dir, `${sha256}.json`), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return undefined;
}

/** BROAPT_QUARANTINE: each alerting file as `<sha256>` (mode 0400) beside `<sha256>.json`, its record. */
export async function quarantineOutput(dir: string): Promise<Output> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return {
    name: 'quarantine',
    batch: 1,
    async deliver(items): Promise<BatchOutcome | void> {
      const reason = await quarantine(dir, items[0] as QuarantineItem);
      if (reason !== undefined) return { retry: [], rejected: [{ index: 0, reason }] };
    },
  };
}
