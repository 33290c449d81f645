import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CommandResult } from '../runner/result.ts';
import type { CommandReport } from './merge.ts';

/**
 * The folder where a command may put files it unpacked (`$BROAPT_CHILDREN`),
 * next to its API log and report. Files it names in `details.children` are
 * analysed as entries of their own, children of the file.
 */
export function childrenPathOf(logFile: string): string {
  return `${logFile}.children`;
}

/** How deep archives in archives are followed; a deeper child is not analysed and its parent gets a finding. */
export const MAX_CHILD_DEPTH = 4;

/** Where a child came from: its parent's identity and its path inside the archive. */
export interface ChildOrigin {
  fuid: string;
  parentFuid: string;
  protocol: string | null;
  pcap: string | null;
  /** Path of the member inside its archive. */
  member: string;
  /** 1 for a member of a top-level file, 2 for a member of that member, … */
  depth: number;
  /** Path of the top-level file it came from, whose budget it counts against. */
  root: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A Zeek-shaped fuid derived from the parent's and the member's path: the same member of the same file gets the same one. */
export function childFuid(parentFuid: string, member: string): string {
  let value = BigInt(`0x${createHash('sha256').update(`${parentFuid}\0${member}`).digest('hex')}`);
  let digits = '';
  for (let i = 0; i < 17; i++) {
    digits += BASE62[Number(value % 62n)];
    value /= 62n;
  }
  return `F${digits}`;
}

/**
 * The children the reports name: `details.children` entries `{path, member}`
 * whose path lies inside that command's children folder and is a regular file
 * there (a report cannot make broapt read anything else).
 */
export function childrenOf(reports: readonly CommandReport[], commands: readonly CommandResult[]): Array<{ path: string; member: string }> {
  const found: Array<{ path: string; member: string }> = [];
  for (const report of reports) {
    const listed = report.details.children;
    const command = commands.find((c) => c.phase === report.phase && c.index === report.index);
    if (!Array.isArray(listed) || command === undefined) continue;
    const folder = childrenPathOf(command.log);
    for (const child of listed) {
      if (typeof child !== 'object' || child === null || typeof (child as { path?: unknown }).path !== 'string') continue;
      const { path: name, member } = child as { path: string; member?: unknown };
      const file = path.resolve(folder, name);
      const inside = path.relative(folder, file);
      if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) continue;
      if (!fs.lstatSync(file, { throwIfNoEntry: false })?.isFile()) continue;
      found.push({ path: file, member: typeof member === 'string' ? member : inside });
    }
  }
  return found;
}
