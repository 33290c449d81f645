/**
 * Office analysis (Word, Excel, PowerPoint as OLE2, OOXML or RTF; OneNote;
 * any other compound file such as MSI): VBA macros and what they do, Excel
 * 4.0 macro sheets, exploit objects (Equation Editor, OLE links, Package
 * objects with programs), DDE, remote templates and encryption. Every check
 * yields weighted signals; one combined finding carries the verdict. Reads
 * the file only.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer, Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { compoundSignals } from './objects.ts';
import { isOle, readCompound } from './ole.ts';
import { isOneNote, oneNoteSignals } from './onenote.ts';
import { isOoxml, ooxmlFacts } from './ooxml.ts';
import { isRtf, rtfSignals } from './rtf.ts';
import { type Signal, signalFindings } from './signals.ts';
import { vbaSignals } from './vba.ts';
import { hasVba, vbaSourcesOf } from './vba-project.ts';
import { biffXlm, xlmSignals } from './xlm.ts';
import { zipMembers } from '../lib/zip.ts';

export interface OfficeFacts {
  container: 'ole' | 'ooxml' | 'rtf' | 'onenote' | 'unknown';
  /** Where VBA projects sit: `/` for the file's own, OOXML member names. */
  vbaProjects: string[];
  signals: Signal[];
}

function oleFacts(bytes: Buffer, facts: OfficeFacts): void {
  let file;
  try {
    file = readCompound(bytes);
  } catch {
    facts.signals.push({ rule: 'office.ole.broken', weight: 1, description: 'a compound file that does not parse' });
    return;
  }
  if (hasVba(file)) facts.vbaProjects.push('/');
  facts.signals.push(...vbaSignals(vbaSourcesOf(file)), ...compoundSignals(file, ''));
  const workbook = file.streams.find((s) => /^(?:Workbook|Book)$/i.test(s.path));
  if (workbook) facts.signals.push(...xlmSignals(biffXlm(workbook.data)));
}

export function officeFacts(bytes: Buffer): OfficeFacts {
  const facts: OfficeFacts = { container: 'unknown', vbaProjects: [], signals: [] };
  if (isOle(bytes)) {
    facts.container = 'ole';
    oleFacts(bytes, facts);
  } else if (isRtf(bytes)) {
    facts.container = 'rtf';
    facts.signals.push(...rtfSignals(bytes));
  } else if (isOneNote(bytes)) {
    facts.container = 'onenote';
    facts.signals.push(...oneNoteSignals(bytes));
  } else if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x504b0304) {
    facts.container = 'ooxml';
    const ooxml = ooxmlFacts(bytes);
    facts.vbaProjects.push(...ooxml.vbaProjects);
    facts.signals.push(...ooxml.signals);
  }
  return facts;
}

export function officeFindings(facts: OfficeFacts): Finding[] {
  const macros: Finding[] = facts.vbaProjects.length > 0 ? [{ rule: 'office.macros', description: `VBA macros in ${facts.vbaProjects.join(', ')}`, severity: 'low' }] : [];
  return [...macros, ...signalFindings(facts.signals)];
}

function accepts(sample: Sample): boolean {
  const b = sample.bytes;
  if (isOle(b) || isRtf(b) || isOneNote(b)) return true;
  if (b.length < 4 || b.readUInt32BE(0) !== 0x504b0304) return false;
  return /officedocument|ms-excel|ms-word|ms-powerpoint|msword|openxml|ms-office/.test(`${sample.mime} ${sample.realMime}`) || isOoxml(zipMembers(b));
}

export const officeAnalyzer: Analyzer = {
  name: 'office',
  accepts,
  analyse(sample) {
    const facts = officeFacts(sample.bytes);
    return { findings: officeFindings(facts), details: { container: facts.container, vbaProjects: facts.vbaProjects } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(officeAnalyzer));
