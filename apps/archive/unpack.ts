/**
 * Unpacking with 7-Zip, member by member trustworthy: one corrupt or
 * unsupported member must not hide the others, so the members that came out
 * whole (the size the listing declared) are kept and the rest are removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../lib/report.ts';
import { tool } from '../lib/tools.ts';
import type { Limits, Member } from './listing.ts';

export interface Unpacked {
  /** Regular files below the folder, relative, each complete. */
  names: string[];
  findings: Finding[];
}

/** Regular files below `dir`, relative; links and devices an archive may hold are never followed. */
function regularFiles(dir: string, below = ''): string[] {
  return fs.readdirSync(path.join(dir, below), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(below, d.name);
    if (d.isDirectory()) return regularFiles(dir, rel);
    return d.isFile() ? [rel] : [];
  });
}

/** 7-Zip's complaints that say the build lacks a codec or a password, not that the file is broken. */
const TOOL_LIMIT = /Unsupported Method|Wrong password|encrypted|Dangerous link/i;

const lastLines = (text: string, n: number) => text.trim().split('\n').filter((line) => line.trim() !== '').slice(-n).join(' ');

/**
 * `streams`: gzip, bzip2 and xz, whose listing size is advisory (absent, or
 * modulo 4 GiB), so a difference is no lie there.
 */
export async function unpackInto(sevenZip: string, file: string, folder: string, members: Member[], limits: Limits, streams: boolean): Promise<Unpacked> {
  fs.mkdirSync(folder, { recursive: true });
  // -snl keeps links as links (never followed); RLIMIT_FSIZE stops a member that lies about its size.
  const blocks = Math.ceil(limits.memberBytes / 512) + 1;
  const run = await tool('/bin/sh', ['-c', `ulimit -f ${blocks}; exec "$0" x -y -bd -p -snl -o"$1" -- "$2"`, sevenZip, folder, file], { timeoutMs: 120_000 });
  const declared = new Map(members.filter((m) => !m.folder && !m.link).map((m) => [path.normalize(m.path.replace(/\\/g, '/')), m.size]));
  const said = `${run.stderr}\n${run.stdout}`;
  // 7z writes out a member that fails its CRC at full size: the members it names in errors are never whole.
  const failed = new Set([...said.matchAll(/^ERROR: [^:\n]+ : (.+?)(?: : .*)?$/gm)].map((m) => path.normalize(m[1]!)));
  const findings: Finding[] = [];
  const kept: string[] = [];
  let lying: { name: string; size: number; expected: number } | undefined;
  let total = 0;
  for (const name of regularFiles(folder)) {
    const size = fs.lstatSync(path.join(folder, name)).size;
    const expected = declared.get(name);
    const whole = run.code === 0 || (expected !== undefined && size === expected && !failed.has(name));
    // More than declared is a lie even when 7z fails on it (a gzip's trailer checked, or the size limit hit);
    // a stream's size is absent (bzip2) or taken modulo 4 GiB, so only a stream that grew past its word lies.
    const lies = expected !== undefined && expected > 0 && (streams || run.code !== 0 ? size > expected : size !== expected);
    if (lies) lying ??= { name, size, expected };
    if (!whole) {
      fs.rmSync(path.join(folder, name), { force: true });
      continue;
    }
    kept.push(name);
    total += size;
  }
  if (total > limits.totalBytes) {
    fs.rmSync(folder, { recursive: true, force: true });
    return { names: [], findings: [{ rule: 'archive.bomb.total-size', description: `unpacked ${total} bytes, more than ${limits.totalBytes}`, severity: 'medium' }] };
  }
  if (lying !== undefined && lying.size >= limits.memberBytes) {
    findings.push({ rule: 'archive.bomb.member-size', description: `${JSON.stringify(lying.name)} declares ${lying.expected} bytes and grew past the ${limits.memberBytes}-byte member limit: a bomb that hides its size`, severity: 'medium' });
  } else if (lying !== undefined) {
    findings.push({ rule: 'archive.size-mismatch', description: `${JSON.stringify(lying.name)} declares ${lying.expected} bytes and unpacks to ${lying.size}: headers that lie mislead scanners`, severity: 'medium' });
  }
  if (run.code !== 0) {
    const errors = said.split('\n').filter((line) => /^ERROR:|Error/i.test(line) && !/^(?:Sub items |Archives with )?Errors: \d+/.test(line.trim()));
    const why = lastLines(errors.join('\n'), 2) || lastLines(said, 2) || `exit ${run.code}`;
    if (kept.length > 0) findings.push({ rule: 'archive.unpack-partial', description: `${kept.length} of ${declared.size} members unpacked whole; 7z stopped on the others: ${why}`, severity: 'low' });
    else if (errors.length > 0 && errors.every((line) => TOOL_LIMIT.test(line))) findings.push({ rule: 'archive.unpack-unsupported', description: `7z cannot unpack it with this build: ${why}`, severity: 'low' });
    else findings.push({ rule: 'archive.unpack-failed', description: `nothing unpacks whole: ${why}`, severity: 'medium' });
  }
  if (kept.length === 0) fs.rmSync(folder, { recursive: true, force: true });
  return { names: kept, findings };
}
