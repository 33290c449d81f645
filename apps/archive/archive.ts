/**
 * Archives (zip and what is built on it: jar, apk, xpi, epub; gzip, 7z, tar,
 * bzip2, xz, rar, cab, iso, arj): lists the members with 7z, judges their
 * names (a lone program, a program dressed as a document, a password over a
 * program), checks hard limits before unpacking (member count, sizes,
 * compression ratio: a zip bomb ends as a finding, never as a full disk; a
 * zip's declared member count first, before 7z lists it),
 * then unpacks into `$BROAPT_CHILDREN` (plain zips in process: plain-zip.ts), where broapt takes every member as a
 * child entry of the archive, and reads jars' classes.
 *   ARCHIVE_MAX_MEMBERS [1000]  ARCHIVE_MAX_MEMBER_MB [100]
 *   ARCHIVE_MAX_TOTAL_MB [500]  ARCHIVE_MAX_RATIO [200]   SEVEN_ZIP [p7zip's 7za or 7z]
 */
import { fileURLToPath } from 'node:url';
import type { Analysis, Analyzer, Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { tool } from '../lib/tools.ts';
import { crowdedZip, zipDeclaredMembers } from './declared.ts';
import { embeddedParts, isDocument, isEmbeddedPart } from './documents.ts';
import { jarFindings } from './jar.ts';
import { limitFindings, limitsFrom, parseListing, type Member } from './listing.ts';
import { nameFindings } from './names.ts';
import { plainZip, unpackPlainZip } from './plain-zip.ts';
import { rar4Members } from './rar.ts';
import { isSevenZipContainer, sevenZipProgram } from './seven-zip.ts';
import { unpackInto } from './unpack.ts';

/** Single compressed streams: their listing size is advisory. */
const STREAM = /^(?:\x1f\x8b|BZh|\xfd7zXZ)/;

/** Listing problems: what 7z could not read is itself the finding. */
function listingFindings(sample: Sample, members: Member[], said: string): Finding[] {
  const declared = zipDeclaredMembers(sample.bytes);
  const seen = members.filter((m) => !m.folder).length;
  if (declared !== undefined && declared !== 0xffff && seen < declared && members.length > 0) {
    return [{ rule: 'archive.malformed', description: `the central directory declares ${declared} members, 7z reads ${seen}: malformed headers hide members from scanners`, severity: 'medium' }];
  }
  if (members.length > 0) return [];
  if (/encrypted archive|Wrong password/i.test(said)) return [{ rule: 'archive.encrypted', description: 'encrypted headers: member names hidden, nothing unpacked', severity: 'low' }];
  return [{ rule: 'archive.unreadable', description: `an archive by its first bytes that 7z cannot open: ${said.trim().split('\n').at(-1)}`, severity: 'medium' }];
}

export function createArchiveAnalyzer(env: NodeJS.ProcessEnv = process.env): Analyzer {
  const limits = limitsFrom(env);
  return {
    name: 'archive',
    accepts: (sample) => isSevenZipContainer(sample.bytes),
    async analyse(sample: Sample): Promise<Analysis> {
      const file = sample.path;
      // Listing 100,000 members costs more than their count says: the zip's own word is enough.
      const crowded = crowdedZip(sample.bytes, limits);
      if (crowded !== undefined) return { findings: [{ rule: 'archive.bomb.members', description: `${crowded.why}: not listed, nothing unpacked`, severity: 'medium' }], details: { members: crowded.members, listed: false } };
      const plain = sample.truncated ? undefined : plainZip(sample.bytes);
      const sevenZip = sevenZipProgram(env, sample.bytes);
      const findings: Finding[] = [];
      let members: Member[] | undefined = plain;
      if (members === undefined) {
        const listing = await tool(sevenZip, ['l', '-slt', '-ba', '-p', '--', file]);
        members = parseListing(listing.stdout);
        if (listing.code !== 0) {
          if (members.length === 0) members = rar4Members(sample.bytes);
          findings.push(...listingFindings(sample, members, `${listing.stderr}\n${listing.stdout}`));
        }
      }
      const blocking = limitFindings(members, sample.size, limits);
      findings.push(...blocking, ...nameFindings(members));
      const details: Record<string, unknown> = { members: members.filter((m) => !m.folder).length, unpackedBytes: members.reduce((n, m) => n + (m.folder ? 0 : m.size), 0) };
      const folder = sample.childrenDir;
      if (blocking.length > 0 || members.length === 0 || folder === undefined || folder === '') return { findings, details };
      const document = isDocument(members);
      // A document's own parts are read in place by the Office analyzer: only its embedded ones are worth writing out.
      const inProcess = plain && unpackPlainZip(sample.bytes, plain, folder, (name) => !document || isEmbeddedPart(name));
      const unpacked = inProcess ? { names: inProcess, findings: [] } : await unpackInto(sevenZip, file, folder, members, limits, STREAM.test(sample.bytes.toString('latin1', 0, 6)));
      findings.push(...unpacked.findings, ...jarFindings(folder, unpacked.names));
      const children = document ? embeddedParts(unpacked.names) : unpacked.names;
      return { findings, details, children: children.map((name) => ({ path: name, member: name })) };
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(createArchiveAnalyzer()));
