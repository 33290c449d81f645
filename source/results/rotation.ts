import fs from 'node:fs';
import path from 'node:path';

/** A local calendar day, `YYYY-MM-DD`: Zeek rotates on local time too. */
export function dayOf(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}

/** `reports.jsonl` → [`reports`, `.jsonl`]. */
function splitName(file: string): [string, string] {
  const name = path.basename(file);
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot)];
}

/** `<dir>/reports.jsonl` of `day` → `<dir>/reports.<day>.jsonl`, or `reports.<day>-<n>.jsonl` for a later one of the same day. */
function rotatedName(file: string, day: string, n: number): string {
  const [stem, ext] = splitName(file);
  return path.join(path.dirname(file), `${stem}.${day}${n === 0 ? '' : `-${n}`}${ext}`);
}

const ROTATED = /^\.(\d{4}-\d{2}-\d{2})(?:-(\d+))?$/;

/** Rotated copies of `file` with their day, oldest first. */
export function rotatedFiles(file: string): Array<{ file: string; day: string }> {
  const [stem, ext] = splitName(file);
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: Array<{ file: string; day: string; n: number }> = [];
  for (const name of names) {
    if (!name.startsWith(`${stem}.`) || !name.endsWith(ext)) continue;
    const match = ROTATED.exec(name.slice(stem.length, name.length - ext.length));
    if (match) found.push({ file: path.join(dir, name), day: match[1]!, n: Number(match[2] ?? 0) });
  }
  found.sort((a, b) => (a.day === b.day ? a.n - b.n : a.day < b.day ? -1 : 1));
  return found.map(({ file: rotated, day }) => ({ file: rotated, day }));
}

/**
 * Moves `file` aside as the rotated log of `day`, unless a writer in another
 * process did already (cluster workers share the logs folder): link() refuses
 * a name that exists, and the unlink only happens while `file` is still the
 * one `inode` names. Returns the rotated name, or undefined when there was nothing to move.
 */
export function rotateAway(file: string, day: string, inode?: number): string | undefined {
  for (let n = 0; ; n++) {
    const target = rotatedName(file, day, n);
    try {
      fs.linkSync(file, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (code === 'ENOENT') return undefined;
      throw error;
    }
    if (inode !== undefined && fs.statSync(target).ino !== inode) {
      // Another writer rotated first and a new file took the name: that one is not ours to move.
      fs.unlinkSync(target);
      return undefined;
    }
    fs.rmSync(file, { force: true });
    return target;
  }
}

/**
 * At start: a log last written on an earlier day (the writer was stopped over
 * midnight) is rotated under that day, so each dated file holds one day.
 */
export function rotateStale(file: string, now: Date): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat === undefined || stat.size === 0) return;
  const day = dayOf(stat.mtime);
  if (day !== dayOf(now)) rotateAway(file, day, stat.ino);
}

/** Milliseconds from `now` to the next local midnight. */
export function untilMidnight(now: Date): number {
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  return next.getTime() - now.getTime();
}
