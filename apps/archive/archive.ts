/**
 * Archives (zip, gzip, 7z, tar, bzip2, xz): lists the members with 7z, checks
 * hard limits before unpacking (member count, per-member and total size,
 * compression ratio: a zip bomb ends as a finding, never as a full disk),
 * then unpacks into the command's `$BROAPT_CHILDREN` folder, where broapt
 * takes every member as a child entry of the archive (its own fuid,
 * `parent_fuid`, its path in the archive), so EICAR in a zip in a zip is
 * found by the apps that handle each member. broapt limits the nesting depth.
 *   ARCHIVE_MAX_MEMBERS [1000]  ARCHIVE_MAX_MEMBER_MB [100]
 *   ARCHIVE_MAX_TOTAL_MB [500]  ARCHIVE_MAX_RATIO [200]   SEVEN_ZIP [7z]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Analysis, Analyzer, Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { tool } from '../lib/tools.ts';

export interface Member {
  path: string;
  size: number;
  folder: boolean;
  encrypted: boolean;
}

export interface Limits {
  members: number;
  memberBytes: number;
  totalBytes: number;
  ratio: number;
}

const MB = 1 << 20;

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
    if (name === undefined) continue;
    members.push({ path: name, size: Number(fields.get('Size') || 0), folder: fields.get('Folder') === '+' || (fields.get('Attributes') ?? '').startsWith('D'), encrypted: fields.get('Encrypted') === '+' });
  }
  return members;
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
  const escaping = members.find((m) => path.isAbsolute(m.path) || m.path.split(/[\\/]/).includes('..'));
  if (escaping) findings.push({ rule: 'archive.path-traversal', description: `member path ${JSON.stringify(escaping.path)} climbs out of the folder it is unpacked into`, severity: 'medium' });
  return findings;
}

/** Regular files below `dir`, relative; links and devices an archive may hold are never followed. */
function regularFiles(dir: string, below = ''): string[] {
  return fs.readdirSync(path.join(dir, below), { withFileTypes: true }).flatMap((d) => {
    const rel = path.join(below, d.name);
    if (d.isDirectory()) return regularFiles(dir, rel);
    return d.isFile() ? [rel] : [];
  });
}

/** Containers 7-Zip unpacks, by their first bytes. */
const MAGIC: Array<[number, Buffer]> = [
  [0, Buffer.from('PK\x03\x04', 'latin1')],
  [0, Buffer.from('PK\x05\x06', 'latin1')],
  [0, Buffer.from([0x1f, 0x8b])],
  [0, Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1')],
  [0, Buffer.from('BZh')],
  [0, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])],
  [0, Buffer.from('Rar!\x1a\x07', 'latin1')],
  [257, Buffer.from('ustar')],
];

export function createArchiveAnalyzer(env: NodeJS.ProcessEnv = process.env): Analyzer {
  const sevenZip = env.SEVEN_ZIP || '7z';
  const limits = limitsFrom(env);
  return {
    name: 'archive',
    accepts: (sample) => MAGIC.some(([at, magic]) => sample.bytes.subarray(at, at + magic.length).equals(magic)),
    async analyse(sample: Sample): Promise<Analysis> {
      const file = sample.path;
      const listing = await tool(sevenZip, ['l', '-slt', '-ba', '-p', '--', file]);
      if (listing.code !== 0) return { findings: [{ rule: 'archive.unreadable', description: `7z cannot list it: ${(listing.stderr || listing.stdout).trim().split('\n').at(-1)}`, severity: 'low' }] };
      const members = parseListing(listing.stdout);
      const findings = limitFindings(members, sample.size, limits);
      const details: Record<string, unknown> = { members: members.filter((m) => !m.folder).length, unpackedBytes: members.reduce((n, m) => n + (m.folder ? 0 : m.size), 0) };
      const folder = sample.childrenDir;
      if (findings.length > 0 || folder === undefined || folder === '') return { findings, details };
      fs.mkdirSync(folder, { recursive: true });
      // -snl keeps links as links (never followed); RLIMIT_FSIZE stops a member that lies about its size.
      const blocks = Math.ceil(limits.memberBytes / 512) + 1;
      const unpack = await tool('/bin/sh', ['-c', `ulimit -f ${blocks}; exec "$0" x -y -bd -p -snl -o"$1" -- "$2"`, sevenZip, folder, file], { timeoutMs: 120_000 });
      const names = regularFiles(folder);
      const total = names.reduce((n, name) => n + fs.lstatSync(path.join(folder, name)).size, 0);
      if (unpack.code !== 0 || total > limits.totalBytes) {
        fs.rmSync(folder, { recursive: true, force: true });
        findings.push({ rule: unpack.code === 0 ? 'archive.bomb.total-size' : 'archive.unpack-failed', description: unpack.code === 0 ? `unpacked ${total} bytes, more than ${limits.totalBytes}` : `7z stopped: ${(unpack.stderr || unpack.stdout).trim().split('\n').slice(-2).join(' ') || `exit ${unpack.code}`}`, severity: unpack.code === 0 ? 'medium' : 'low' });
        return { findings, details };
      }
      return { findings, details, children: names.map((name) => ({ path: name, member: name })) };
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(createArchiveAnalyzer()));
