import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { link, lstat } from 'node:fs/promises';
import path from 'node:path';

/** How many bytes a UTF-8 sequence that starts with `lead` has (1 for a byte that starts none). */
function sequenceLength(lead: number): number {
  if (lead >= 0xf0) return 4;
  if (lead >= 0xe0) return 3;
  if (lead >= 0xc0) return 2;
  return 1;
}

/** The name with each byte that is not part of valid UTF-8 written as `%XX`, the rest as it is. */
export function escapedName(raw: Buffer): string {
  let name = '';
  for (let i = 0; i < raw.length; ) {
    const piece = raw.subarray(i, i + sequenceLength(raw[i]!));
    if (isUtf8(piece)) {
      name += piece.toString('utf8');
      i += piece.length;
    } else {
      name += `%${raw[i]!.toString(16).toUpperCase().padStart(2, '0')}`;
      i += 1;
    }
  }
  return name;
}

async function sameFile(a: Buffer | string, b: string): Promise<boolean> {
  const [one, two] = await Promise.all([lstat(a), lstat(b)]);
  return one.ino === two.ino && one.dev === two.dev;
}

/**
 * A name every part of broapt can carry for a file whose name is not UTF-8:
 * a JavaScript string cannot hold its bytes, so its path would name another
 * file (or none), and an app's $BROAPT_PATH could not either. The alias is a
 * hard link beside it (same folder, so same file system, and a regular file
 * like the original), named with the bad bytes escaped: stable, so a rescan
 * finds the same alias and the history knows it. Undefined when no link can
 * be made (a read-only dump folder).
 */
export async function utf8Alias(dir: string, raw: Buffer): Promise<string | undefined> {
  const original = Buffer.concat([Buffer.from(dir + path.sep), raw]);
  const escaped = path.join(dir, escapedName(raw));
  // A file may already bear the escaped name: then the alias takes a hash of the raw name as well.
  const candidates = [escaped, `${escaped}~${createHash('sha256').update(raw).digest('hex').slice(0, 12)}`];
  for (const alias of candidates) {
    try {
      await link(original, alias);
      return alias;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
      if (await sameFile(original, alias).catch(() => false)) return alias;
    }
  }
  return undefined;
}
