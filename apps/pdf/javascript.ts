/**
 * The PDF's JavaScript: where each script sits (a form field's format,
 * keystroke, validate or calculate action, which every form designer
 * writes, or a document-level, open or link action, which lures use) and
 * what it does (exploit-era API calls, dropping and launching attachments,
 * obfuscation and heap sprays).
 */
import type { PdfDocument, PdfObject } from './document.ts';
import { deref, textOf, valuesOf } from './values.ts';

export type Trigger = 'field' | 'document';

export interface Script {
  object: string;
  trigger: Trigger;
  code: string;
  /** API calls of past Reader exploits or of droppers: name → why. */
  exploits: string[];
  /** Obfuscation techniques seen in the code. */
  obfuscation: string[];
  /** Calls that reach out (URLs, forms, other documents), harmless in a form and a lure's tool on open. */
  outbound: string[];
}

/** Enough for any real script and its packed payload; keeps every pattern below linear in practice. */
const MAX_SCRIPT_CHARS = 1 << 20;

/** Calls whose only known use in PDFs is a Reader exploit or launching a dropped file. */
const EXPLOIT_APIS: Array<[RegExp, string]> = [
  [/util\s*\.\s*printf\s*\(/, 'util.printf (CVE-2008-2992)'],
  [/Collab\s*\.\s*(getIcon|collectEmailInfo)\s*\(/, 'Collab.getIcon/collectEmailInfo (CVE-2009-0927, CVE-2007-5659)'],
  [/media\s*\.\s*newPlayer\s*\(/, 'media.newPlayer (CVE-2009-4324)'],
  [/spell\s*\.\s*customDictionaryOpen\s*\(/, 'spell.customDictionaryOpen (CVE-2009-1493)'],
  // Listing a page's annotations is ordinary; the exploit passes negative page numbers.
  [/getAnnots\s*\(\s*(\{[^}]*)?-\s*\d/, 'getAnnots with a negative page (CVE-2009-1492)'],
  [/exportDataObject\s*\([^)]{0,300}nLaunch\s*:\s*[12]/, 'exportDataObject with nLaunch: saves and opens an attachment'],
  [/(%u0c0c|%u0a0a|%u9090|\\x0c\\x0c\\x0c\\x0c|0x0c0c0c0c)/i, 'heap-spray filler'],
];

const OUTBOUND_APIS: Array<[RegExp, string]> = [
  [/launchURL\s*\(/, 'app.launchURL'],
  [/\bgetURL\s*\(/, 'getURL'],
  [/submitForm\s*\(\s*\{?\s*[^)]{0,300}https?:/i, 'submitForm to a URL'],
  [/exportDataObject\s*\(/, 'exportDataObject'],
  [/importDataObject\s*\(/, 'importDataObject'],
  [/\bopenDoc\s*\(/, 'app.openDoc'],
  [/mailDoc\s*\(|mailForm\s*\(/, 'mailDoc/mailForm'],
];

function obfuscationOf(code: string): string[] {
  const found: string[] = [];
  // Names split so no scanner sees them: this["ev" + "al"], app["set" + "TimeOut"].
  const splitNames = /\[\s*(['"])[A-Za-z_]{1,12}\1\s*\+\s*(['"])[A-Za-z_]{1,12}\2/.test(code);
  // setTimeOut/setInterval with a string run it as code, like eval; a split name is there to hide such a call.
  const evals = splitNames || /\beval\s*\(|\[\s*['"]eval['"]\s*\]|\bFunction\s*\(|\bset(TimeOut|Interval)\s*\(\s*['"a-zA-Z_]/.test(code);
  const decoders = /\bunescape\s*\(|String\s*\.\s*fromCharCode\s*\(|\batob\s*\(/.test(code);
  if (evals) found.push('eval');
  if (decoders) found.push('unescape/fromCharCode');
  if (/(%u[0-9a-f]{4}){16}|(\\x[0-9a-f]{2}){32}|(\\u[0-9a-f]{4}){16}/i.test(code)) found.push('long escaped string');
  if (/[0-9a-f]{400}/i.test(code)) found.push('long hex string');
  if (/while\s*\([^)]{0,200}\.length\s*<\s*(0x[0-9a-f]{5,}|\d{6,})/i.test(code) || /new\s+Array\s*\(\s*(0x[0-9a-f]{3,}|\d{4,})\s*\)/i.test(code)) found.push('heap spray loop');
  if (/\.replace\s*\(\s*\/[^/]{1,20}\/g\s*,\s*['"]{2}\s*\)/.test(code) && decoders) found.push('junk-stripping replace');
  if (splitNames) found.push('split member names');
  // The code to run is kept elsewhere in the document: annotation subjects, document info, field values.
  if (evals && /\b(this|doc|event\.target)\s*\.\s*(info\b|getAnnots?\s*\(|getField\s*\(|getPageNthWord\s*\()/.test(code)) found.push('code read from the document');
  return found;
}

function hasField(dict: string): boolean {
  return /\/FT\s*\/(Tx|Btn|Ch|Sig)\b|\/Subtype\s*\/Widget\b/.test(dict);
}

/** Field scripts sit under /AA's keystroke, format, validate or calculate keys of a field or widget. */
function fieldContext(doc: PdfDocument, holder: PdfObject, referrers: Map<string, Array<{ from: PdfObject; key: string }>>): boolean {
  if (hasField(holder.dict)) return true;
  for (const { from, key } of referrers.get(holder.id) ?? []) {
    if (/^(K|F|V|C)$/.test(key)) return true;
    if (key === 'AA' && hasField(from.dict)) return true;
  }
  return false;
}

/** Which objects point at which, and under what key: scripts are judged by who calls them. */
export function referrersOf(doc: PdfDocument): Map<string, Array<{ from: PdfObject; key: string }>> {
  const map = new Map<string, Array<{ from: PdfObject; key: string }>>();
  for (const from of doc.objects.values()) {
    for (const m of from.dict.matchAll(/\/([A-Za-z]+)\s*(\d+)\s+(\d+)\s+R\b/g)) {
      const id = `${m[2]} ${m[3]}`;
      const list = map.get(id) ?? [];
      if (list.length < 100) list.push({ from, key: m[1]! });
      map.set(id, list);
    }
  }
  return map;
}

export function scriptsOf(doc: PdfDocument, referrers = referrersOf(doc)): Script[] {
  const scripts: Script[] = [];
  for (const object of doc.objects.values()) {
    if (!/\/JS\b/.test(object.dict)) continue;
    for (const token of valuesOf(object.dict, 'JS')) {
      const code = textOf(doc, token).slice(0, MAX_SCRIPT_CHARS);
      if (code.trim() === '') continue;
      const field = fieldContext(doc, object, referrers) || (deref(doc, token) !== undefined && fieldContext(doc, deref(doc, token)!, referrers));
      scripts.push(analyseScript(object.id, field ? 'field' : 'document', code));
    }
  }
  return scripts;
}

export function analyseScript(object: string, trigger: Trigger, code: string): Script {
  return {
    object,
    trigger,
    code,
    exploits: EXPLOIT_APIS.filter(([pattern]) => pattern.test(code)).map(([, why]) => why),
    obfuscation: obfuscationOf(code),
    outbound: OUTBOUND_APIS.filter(([pattern]) => pattern.test(code)).map(([, why]) => why),
  };
}

/** Script in an XFA form: XFA scripts run on open as surely as document JavaScript. */
export function xfaScripts(doc: PdfDocument): string[] {
  const found: string[] = [];
  for (const object of doc.objects.values()) {
    for (const token of valuesOf(object.dict, 'XFA')) {
      const parts = token.startsWith('[') ? [...token.matchAll(/\d+\s+\d+\s+R/g)].map((m) => m[0]) : [token];
      for (const part of parts.slice(0, 200)) {
        const xml = textOf(doc, part).slice(0, 4 * MAX_SCRIPT_CHARS);
        for (const m of xml.matchAll(/<(?:\w+:)?script\b[^>]*>([\s\S]*?)<\/(?:\w+:)?script>/gi)) if (m[1]!.trim() !== '') found.push(m[1]!.slice(0, MAX_SCRIPT_CHARS));
        if (found.length > 100) return found;
      }
    }
  }
  return found;
}
