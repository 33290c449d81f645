/**
 * OOXML packages (docx/xlsx/pptx and their macro twins): the VBA project and
 * embedded OLE objects inside, relationships that pull a template or object
 * from elsewhere, DDE fields and `=cmd|` cells, and Excel 4.0 macro sheets.
 */
import { compoundSignals } from './objects.ts';
import { isOle, readCompound } from './ole.ts';
import type { Signal } from './signals.ts';
import { vbaSignals } from './vba.ts';
import { vbaSourcesOf } from './vba-project.ts';
import { ooxmlXlm, xlmSignals } from './xlm.ts';
import { type ZipMember, zipMembers, zipRead } from '../lib/zip.ts';

const MAX_XML = 16 << 20;
const MAX_MEMBERS = 4096;
/** Relationship types that load content when the document opens. */
const LOADING_RELATIONSHIP = /\/(attachedTemplate|oleObject|frame|subDocument|externalLinkPath|package)"/i;

export function isOoxml(members: ZipMember[]): boolean {
  return members.some((m) => m.name === '[Content_Types].xml' || /^(?:word|xl|ppt)\//.test(m.name));
}

export interface OoxmlFacts {
  signals: Signal[];
  vbaProjects: string[];
}

function externalSignals(rels: string, member: string): Signal[] {
  const signals: Signal[] = [];
  for (const match of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    const rel = match[0];
    const type = LOADING_RELATIONSHIP.exec(rel)?.[1];
    const target = /Target="([^"]*)"/.exec(rel)?.[1] ?? '';
    if (type === undefined || !/TargetMode="External"/i.test(rel)) continue;
    const remote = /^(?:https?|ftp|file):|^\\\\|^\/\//i.test(target.trim());
    signals.push({
      rule: type === 'attachedTemplate' ? 'office.remote-template' : 'office.external-object',
      weight: remote ? 6 : 2,
      description: `${member}: loads ${type} from ${target.slice(0, 200)}`,
    });
  }
  return signals;
}

function ddeSignals(xml: string, member: string): Signal[] {
  // Field codes may be split over runs: join the instruction texts first.
  const instructions = [...xml.matchAll(/<w:instrText\b[^>]*>([^<]*)</g)].map((m) => m[1]).join('') + [...xml.matchAll(/w:instr="([^"]*)"/g)].map((m) => m[1]).join(' ');
  const signals: Signal[] = [];
  const dde = /\bDDE(?:AUTO)?\b[^]{0,300}/i.exec(instructions);
  if (dde) signals.push({ rule: 'office.dde', weight: /cmd|powershell|mshta|\.exe|rundll|regsvr/i.test(dde[0]) ? 10 : 8, description: `${member}: DDE field ${dde[0].slice(0, 120)}` });
  const cell = /[=@+-]\s*(?:cmd|powershell|mshta|msexcel|rundll32)\s*\|/i.exec(xml);
  if (cell) signals.push({ rule: 'office.dde', weight: 10, description: `${member}: a cell that runs a program through DDE (${cell[0]})` });
  if (/<ddeLink\b[^>]*ddeService="(?:cmd|powershell|mshta)/i.test(xml)) signals.push({ rule: 'office.dde', weight: 10, description: `${member}: a DDE link to a command` });
  return signals;
}

export function ooxmlFacts(bytes: Buffer): OoxmlFacts {
  const facts: OoxmlFacts = { signals: [], vbaProjects: [] };
  const members = zipMembers(bytes).slice(0, MAX_MEMBERS);
  let workbookXml = '';
  const macroSheets: string[] = [];
  for (const member of members) {
    const name = member.name;
    if (/\.bin$/i.test(name) && /vbaProject|embeddings\/|activeX/i.test(name)) {
      const data = zipRead(bytes, member);
      if (!data || !isOle(data)) {
        if (/vbaProject/i.test(name)) facts.vbaProjects.push(name);
        continue;
      }
      try {
        const file = readCompound(data);
        if (/vbaProject/i.test(name)) {
          facts.vbaProjects.push(name);
          facts.signals.push(...vbaSignals(vbaSourcesOf(file)));
        }
        facts.signals.push(...compoundSignals(file, `${name}:`));
      } catch {
        facts.signals.push({ rule: 'office.object.broken', weight: 1, description: `${name}: an OLE object that does not parse` });
      }
      continue;
    }
    if (!/\.(?:xml|rels|vml)$/i.test(name)) continue;
    const xml = zipRead(bytes, member, MAX_XML)?.toString('utf8') ?? '';
    if (/\.rels$/i.test(name)) facts.signals.push(...externalSignals(xml, name));
    else if (/^xl\/workbook\.xml$/i.test(name)) workbookXml = xml;
    else if (/^xl\/macrosheets\//i.test(name)) macroSheets.push(xml);
    if (/^(?:word|xl)\//i.test(name) && /DDE|\|/.test(xml)) facts.signals.push(...ddeSignals(xml, name));
  }
  facts.signals.push(...xlmSignals(ooxmlXlm(workbookXml, macroSheets)));
  if (/state="veryHidden"/i.test(workbookXml) && macroSheets.length === 0) facts.signals.push({ rule: 'office.hidden-sheet', weight: 2, description: 'a sheet is very hidden: only a macro can show it' });
  return facts;
}
