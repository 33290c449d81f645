/**
 * Excel 4.0 (XLM) macros: macro sheets in a BIFF8 workbook (BoundSheet type
 * macro) or an OOXML one (xl/macrosheets/), whether they run on open
 * (Auto_Open names, however cased or suffixed) and what their formulas call.
 * A macro sheet alone is legitimate (old automation); it becomes suspicious
 * when it runs on open and reaches for programs, DLLs or downloads.
 */
import type { Signal } from './signals.ts';

const BOUNDSHEET = 0x0085;
const NAME = 0x0018;
const FORMULA = 0x0006;
const FILEPASS = 0x002f;
const MAX_RECORDS = 1 << 20;

/** BIFF8 function numbers (ptgFunc/ptgFuncVar) of the calls that matter, from the XLM function table. */
const DANGEROUS_FUNCTIONS = new Map<number, string>([
  [110, 'EXEC'],
  [150, 'CALL'],
  [149, 'REGISTER'],
  [267, 'REGISTER.ID'],
]);
const CHAR = 111;

export interface XlmFacts {
  macroSheets: Array<{ name: string; state: 'visible' | 'hidden' | 'very hidden' }>;
  autoOpen: string[];
  calls: Set<string>;
  chars: number;
  formulas: number;
  strings: string[];
  encrypted: string | undefined;
}

const STATES = ['visible', 'hidden', 'very hidden'] as const;
/** Excel runs any defined name that starts with Auto_Open (Auto_Open2, auto_openX) on load. */
const AUTO_NAME = /^auto_(?:open|close|activate)/i;

function xlString(b: Buffer, at: number, count: number): string {
  const wide = (b[at]! & 1) === 1;
  return wide ? b.toString('utf16le', at + 1, at + 1 + count * 2) : b.toString('latin1', at + 1, at + 1 + count);
}

/** Walks a formula's tokens loosely: a function token is its byte followed by the function number. */
function scanFormula(rgce: Buffer, facts: XlmFacts): void {
  for (let i = 0; i + 2 < rgce.length; i++) {
    const ptg = rgce[i]!;
    let id = -1;
    if (ptg === 0x21 || ptg === 0x41 || ptg === 0x61) id = rgce.readUInt16LE(i + 1);
    else if ((ptg === 0x22 || ptg === 0x42 || ptg === 0x62) && i + 3 < rgce.length) id = rgce.readUInt16LE(i + 2) & 0x7fff;
    if (id === CHAR) facts.chars++;
    const name = DANGEROUS_FUNCTIONS.get(id);
    if (name !== undefined) facts.calls.add(name);
    if (ptg === 0x17 && i + 2 < rgce.length) {
      facts.strings.push(xlString(rgce, i + 2, rgce[i + 1]!));
    }
  }
}

export function biffXlm(workbook: Buffer): XlmFacts {
  const facts: XlmFacts = { macroSheets: [], autoOpen: [], calls: new Set(), chars: 0, formulas: 0, strings: [], encrypted: undefined };
  for (let at = 0, n = 0; at + 4 <= workbook.length && n < MAX_RECORDS; n++) {
    const type = workbook.readUInt16LE(at);
    const length = workbook.readUInt16LE(at + 2);
    const data = workbook.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (type === BOUNDSHEET && data.length >= 8) {
      if (data[5] === 1) facts.macroSheets.push({ name: xlString(data, 7, data[6]!), state: STATES[data[4]! & 3] ?? 'very hidden' });
    } else if (type === NAME && data.length >= 15) {
      const builtin = (data.readUInt16LE(0) & 0x20) !== 0;
      const name = xlString(data, 14, data[3]!);
      if (builtin ? name.charCodeAt(0) === 1 || name.charCodeAt(0) === 2 : AUTO_NAME.test(name)) facts.autoOpen.push(builtin ? (name.charCodeAt(0) === 1 ? 'Auto_Open' : 'Auto_Close') : name);
    } else if (type === FORMULA && data.length > 22) {
      facts.formulas++;
      scanFormula(data.subarray(22, 22 + data.readUInt16LE(20)), facts);
    } else if (type === FILEPASS && data.length >= 2) {
      facts.encrypted = data.readUInt16LE(0) === 0 ? 'XOR' : 'RC4';
    }
  }
  return facts;
}

const XML_CALLS = /\b(EXEC|CALL|REGISTER(?:\.ID)?|URLDownloadToFileA?|ShellExecuteA?|VirtualAlloc(?:Ex)?|WriteProcessMemory|CreateThread|RtlCopyMemory)\s*\(/gi;

/** OOXML: the macro sheets, the sheet states and defined names of xl/workbook.xml, and the formulas' calls. */
export function ooxmlXlm(workbookXml: string, macroSheets: string[]): XlmFacts {
  const facts: XlmFacts = { macroSheets: [], autoOpen: [], calls: new Set(), chars: 0, formulas: 0, strings: [], encrypted: undefined };
  for (const name of workbookXml.matchAll(/<definedName\b[^>]*\bname="([^"]*)"/g)) if (/^_xlnm\.Auto_(?:Open|Close)|^auto_(?:open|close)/i.test(name[1]!)) facts.autoOpen.push(name[1]!);
  for (const sheet of macroSheets) {
    for (const call of sheet.matchAll(XML_CALLS)) facts.calls.add(call[1]!.toUpperCase());
    facts.chars += [...sheet.matchAll(/\bCHAR\s*\(/gi)].length;
  }
  if (macroSheets.length > 0) {
    for (const sheet of workbookXml.matchAll(/<sheet\b[^>]*>/g)) {
      const state = /state="veryHidden"/i.test(sheet[0]) ? 'very hidden' : /state="hidden"/i.test(sheet[0]) ? 'hidden' : 'visible';
      facts.macroSheets.push({ name: /name="([^"]*)"/.exec(sheet[0])?.[1] ?? '', state });
    }
  }
  return facts;
}

export function xlmSignals(facts: XlmFacts): Signal[] {
  const signals: Signal[] = [];
  if (facts.encrypted) signals.push({ rule: 'office.encrypted', weight: 3, description: `encrypted workbook (${facts.encrypted}): its content cannot be scanned` });
  if (facts.macroSheets.length === 0) return signals;
  signals.push({ rule: 'office.xlm.macrosheet', weight: 1, description: `Excel 4.0 macro sheets: ${facts.macroSheets.map((s) => `${s.name} (${s.state})`).join(', ')}` });
  if (facts.autoOpen.length > 0) signals.push({ rule: 'office.xlm.auto-open', weight: 3, group: 'auto-exec', description: `runs on open: ${facts.autoOpen.join(', ')}` });
  const hidden = facts.macroSheets.filter((s) => s.state !== 'visible');
  if (hidden.length > 0) signals.push({ rule: 'office.xlm.hidden', weight: hidden.some((s) => s.state === 'very hidden') ? 2 : 1, description: `macro sheets hidden: ${hidden.map((s) => `${s.name} (${s.state})`).join(', ')}` });
  const text = facts.strings.join('\n');
  const calls = [...facts.calls];
  if (/URLDownloadToFile|urlmon|kernel32|shell32|VirtualAlloc|WriteProcessMemory|CreateThread|ShellExecute|powershell|cmd\.exe|mshta|rundll32|regsvr32/i.test(text)) calls.push('Windows API or shell names in strings');
  if (calls.length > 0) signals.push({ rule: 'office.xlm.calls', weight: 4, description: `macro sheet calls ${calls.join(', ')}` });
  // Obfuscated XLM computes its calls at run time from thousands of cells; hand-written macro sheets hold a few dozen formulas.
  const obfuscation = [facts.chars >= 20 ? `builds text from ${facts.chars} CHAR() calls` : '', facts.formulas >= 1000 ? `${facts.formulas} formulas` : ''].filter(Boolean);
  if (obfuscation.length > 0) signals.push({ rule: 'office.xlm.obfuscated', weight: 3, description: `macro sheet ${obfuscation.join(', ')}` });
  return signals;
}
