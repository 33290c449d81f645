/**
 * What 7-Zip's listing says an archive holds, and the hard limits checked on
 * it before anything is unpacked: a zip bomb ends as a finding, never as a
 * full disk.
 */
import path from 'node:path';
import type { Finding } from '../lib/report.ts';

export interface Member {
  path: string;
  size: number;
  folder: boolean;
  encrypted: boolean;
  /** A symbolic link: never followed, never a child. */
  link?: boolean;
}

export interface Limits {
  members: number;
  memberBytes: number;
  totalBytes: number;
  ratio: number;
}

export const MB = 1 << 20;

export function limitsFrom(env: NodeJS.ProcessEnv): Limits {
  const num = (name: string, fallback: number) => (Number(env[name]) > 0 ? Number(env[name]) : fallback);
  return { members: num('ARCHIVE_MAX_MEMBERS', 1000), memberBytes: num('ARCHIVE_MAX_MEMBER_MB', 100) * MB, totalBytes: num('ARCHIVE_MAX_TOTAL_MB', 500) * MB, ratio: num('ARCHIVE_MAX_RATIO', 200) };
}

/** `7z l -slt` blocks, one per member. */
export function parseListing(text: string): Member[] {
  const members: Member[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const fields = new Map(block.split('\n').flatMap((line) => {
      const at = line.indexOf(' = ');
      return at > 0 ? [[line.slice(0, at), line.slice(at + 3)] as const] : [];
    }));
    const name = fields.get('Path');
    // The archive's own block (Type = …) comes first when 7z reports errors without -ba's brevity.
    if (name === undefined || fields.has('Type')) continue;
    const attributes = (fields.get('Attributes') ?? '').trim();
    const member: Member = { path: name, size: Number(fields.get('Size') || 0), folder: fields.get('Folder') === '+' || attributes.startsWith('D'), encrypted: fields.get('Encrypted') === '+' };
    if (/^(?:\S*\s)?l/.test(attributes)) member.link = true;
    members.push(member);
  }
  return members;
}

/** Whether a member path climbs out of the folder it is unpacked into: `..`, absolute, a drive letter or a UNC root. */
export function escapes(name: string): boolean {
  return path.isAbsolute(name) || /^[a-z]:/i.test(name) || name.startsWith('\\') || name.split(/[\\/]/).includes('..');
}

/** What stops an archive from being unpacked. */
export function limitFindings(members: Member[], archiveBytes: number, limits: Limits): Finding[] {
  const files = members.filter((m) => !m.folder);
  const total = files.reduce((n, m) => n + m.size, 0);
  const findings: Finding[] = [];
  if (files.length > limits.members) findings.push({ rule: 'archive.bomb.members', description: `${files.length} members, more than ${limits.members}`, severity: 'medium' });
  const big = files.find((m) => m.size > limits.memberBytes);
  if (big) findings.push({ rule: 'archive.bomb.member-size', description: `${JSON.stringify(big.path)} unpacks to ${big.size} bytes, more than ${limits.memberBytes}`, severity: 'medium' });
  if (total > limits.totalBytes) findings.push({ rule: 'archive.bomb.total-size', description: `unpacks to ${total} bytes, more than ${limits.totalBytes}`, severity: 'medium' });
  // Small archives of text compress well for honest reasons; a bomb's whole point is size.
  if (total > 10 * MB && total / Math.max(archiveBytes, 1) > limits.ratio) findings.push({ rule: 'archive.bomb.ratio', description: `compression ratio ${Math.round(total / Math.max(archiveBytes, 1))}:1, above ${limits.ratio}:1`, severity: 'medium' });
  if (members.some((m) => m.encrypted)) findings.push({ rule: 'archive.encrypted', description: 'encrypted members: not unpacked', severity: 'low' });
  const escaping = members.find((m) => escapes(m.path));
  if (escaping) findings.push({ rule: 'archive.path-traversal', description: `member path ${JSON.stringify(escaping.path)} climbs out of the folder it is unpacked into`, severity: 'medium' });
  return findings;
}
