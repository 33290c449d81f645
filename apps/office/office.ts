/**
 * Office analysis (Word, Excel, PowerPoint; OLE2 and OOXML): macro presence
 * (OLE VBA storages, OOXML vbaProject.bin), the macros' auto-exec and shell
 * keywords, and remote templates. Reads the file only.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { isOle, readOle, vbaSources } from './ole.ts';
import { zipMembers, zipRead } from './zip.ts';

const AUTO_EXEC = ['AutoOpen', 'Auto_Open', 'AutoExec', 'AutoClose', 'Auto_Close', 'Document_Open', 'Document_Close', 'DocumentOpen', 'Workbook_Open', 'Workbook_Activate', 'Document_New', 'AutoNew'];
const SUSPICIOUS = ['Shell', 'WScript.Shell', 'Shell.Application', 'CreateObject', 'PowerShell', 'cmd.exe', 'URLDownloadToFile', 'MSXML2.XMLHTTP', 'Microsoft.XMLHTTP', 'WinHttp.WinHttpRequest', 'ADODB.Stream', 'CallByName', 'GetObject', 'Lib "kernel32"', 'VirtualAlloc', 'RtlMoveMemory', 'CreateThread', 'Chr(', 'StrReverse', 'FromBase64String'];

export interface OfficeFacts {
  container: 'ole' | 'ooxml' | 'unknown';
  /** Where the VBA project sits: OLE storage path or OOXML member names. */
  vbaProjects: string[];
  sources: string[];
  remoteTemplates: string[];
}

function wordsIn(sources: string[], words: string[]): string[] {
  const text = sources.join('\n');
  return words.filter((word) => new RegExp(`(^|[^A-Za-z0-9_])${word.replace(/[.()"]/g, '\\$&')}`, 'i').test(text));
}

function fromOle(bytes: Buffer, where: string, facts: OfficeFacts): void {
  const streams = readOle(bytes);
  const vba = streams.filter((s) => /(^|\/)_VBA_PROJECT$/i.test(s.path));
  for (const project of vba) facts.vbaProjects.push(`${where}${project.path.replace(/\/?_VBA_PROJECT$/i, '') || '/'}`);
  if (vba.length === 0) return;
  for (const stream of streams) if (/(^|\/)VBA\//i.test(stream.path)) facts.sources.push(...vbaSources(stream.data));
}

export function officeFacts(bytes: Buffer): OfficeFacts {
  const facts: OfficeFacts = { container: 'unknown', vbaProjects: [], sources: [], remoteTemplates: [] };
  if (isOle(bytes)) {
    facts.container = 'ole';
    fromOle(bytes, '', facts);
    return facts;
  }
  const members = zipMembers(bytes);
  if (members.length === 0) return facts;
  facts.container = 'ooxml';
  for (const member of members) {
    if (/vbaProject\.bin$/i.test(member.name)) {
      const data = zipRead(bytes, member);
      if (data && isOle(data)) fromOle(data, `${member.name}:`, facts);
      else facts.vbaProjects.push(member.name);
    }
    if (/\.rels$/i.test(member.name)) {
      const rels = zipRead(bytes, member, 1 << 20)?.toString('utf8') ?? '';
      for (const match of rels.matchAll(/<Relationship\b[^>]*>/g)) {
        const rel = match[0];
        if (/TargetMode="External"/i.test(rel) && /attachedTemplate|oleObject|frame/i.test(rel)) facts.remoteTemplates.push(/Target="([^"]*)"/.exec(rel)?.[1] ?? '');
      }
    }
  }
  return facts;
}

export function officeFindings(facts: OfficeFacts): Finding[] {
  const findings: Finding[] = [];
  if (facts.vbaProjects.length > 0) findings.push({ rule: 'office.macros', description: `VBA macros in ${facts.vbaProjects.join(', ')}`, severity: 'low' });
  const auto = wordsIn(facts.sources, AUTO_EXEC);
  const suspicious = wordsIn(facts.sources, SUSPICIOUS);
  if (auto.length > 0) findings.push({ rule: 'office.macro.auto-exec', description: `macro runs by itself: ${auto.join(', ')}`, severity: 'medium' });
  if (suspicious.length > 0) findings.push({ rule: 'office.macro.suspicious', description: `macro keywords: ${suspicious.join(', ')}`, severity: 'medium' });
  if (auto.length > 0 && suspicious.length > 0) findings.push({ rule: 'office.macro.auto-exec-shell', description: 'a macro that runs on open and starts programs or downloads', severity: 'high' });
  for (const target of facts.remoteTemplates) findings.push({ rule: 'office.remote-template', description: `loads a remote template or object: ${target}`, severity: 'medium' });
  return findings;
}

export const officeAnalyzer: Analyzer = {
  name: 'office',
  accepts: (sample) => isOle(sample.bytes) || (sample.bytes.readUInt32BE(0) === 0x504b0304 && /officedocument|ms-|msword|openxml/.test(`${sample.mime} ${sample.realMime}`)),
  analyse(sample) {
    const facts = officeFacts(sample.bytes);
    const { sources, ...rest } = facts;
    return { findings: officeFindings(facts), details: { ...rest, macroSourceBytes: sources.reduce((n, s) => n + s.length, 0) } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(officeAnalyzer));
