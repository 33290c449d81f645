/**
 * The PDF's non-script actions: /Launch judged by what it runs, link
 * targets (/URI) judged by where they lead and how many lead elsewhere, and
 * the rarer actions that reach out (/GoToE, /GoToR, /ImportData, /SubmitForm).
 */
import type { PdfDocument } from './objects.ts';
import { deref, stringText, textOf, valueOf, valuesOf } from './values.ts';

export interface Launch {
  object: string;
  target: string;
  parameters: string;
  dangerous: boolean;
}

/** File names that run when opened: executables, scripts, installers, shortcuts and disk images. */
export const RUNNABLE_FILE = /\.(exe|scr|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|lnk|msi|dll|cpl|jar|iso|img|vhdx?|url|reg|sh|appimage|apk)$/i;
/** What a lure makes Reader run: shells, script hosts, executables and scripts. */
const RUNNABLE = /(^|[\\/\s"'])(cmd|powershell|pwsh|mshta|wscript|cscript|rundll32|regsvr32|msiexec|certutil|bitsadmin|curl|wget|bash|sh)(\.exe)?\b|\.(exe|scr|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|lnk|msi|dll|cpl|jar|iso|img|vhdx?|url|reg|sh|appimage|apk)\b/i;

function pathOf(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return '';
  }
}

export function launchesOf(doc: PdfDocument): Launch[] {
  const launches: Launch[] = [];
  for (const object of doc.objects.values()) {
    if (!/\/S\s*\/Launch\b/.test(object.dict)) continue;
    const win = valueOf(object.dict, 'Win') ?? '';
    // The target is a file name or a file specification dictionary naming one.
    const fileName = (token: string | undefined) => {
      const t = deref(doc, token)?.dict.trim() ?? token;
      return t === undefined ? '' : t.startsWith('<<') ? textOf(doc, valueOf(t, 'UF') ?? valueOf(t, 'F')) : textOf(doc, t);
    };
    const target = [valueOf(win, 'F'), valueOf(object.dict, 'F')].map(fileName).find((t) => t !== '') ?? '';
    const parameters = [valueOf(win, 'P'), valueOf(object.dict, 'P')].map((t) => (t === undefined ? '' : stringText(t))).join(' ').trim();
    launches.push({ object: object.id, target, parameters, dangerous: RUNNABLE.test(target) || RUNNABLE.test(parameters) });
  }
  return launches;
}

export interface Link {
  object: string;
  uri: string;
  /** The escapes the writer used inside the string (octal or hex for plain characters). */
  raw: string;
}

export function linksOf(doc: PdfDocument): Link[] {
  const links: Link[] = [];
  for (const object of doc.objects.values()) {
    for (const token of valuesOf(object.dict, 'URI')) {
      if (!token.startsWith('(') && !/^<[^<]/.test(token) && !/^\d+\s+\d+\s+R/.test(token)) continue;
      links.push({ object: object.id, uri: textOf(doc, token).trim().slice(0, 8192), raw: token.slice(0, 8192) });
      if (links.length >= 5000) return links;
    }
  }
  return links;
}

export function hostOf(uri: string): string | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^:/?#\s]+)/i.exec(uri);
  return match ? match[1]!.toLowerCase() : null;
}

/** The registrable part of a host, roughly: enough to tell one site from many. */
export function siteOf(host: string): string {
  const labels = host.split('.');
  const secondLevel = labels.length >= 3 && /^(co|com|net|org|gov|edu|ac)$/.test(labels.at(-2)!);
  return labels.slice(secondLevel ? -3 : -2).join('.');
}

/** A query part that is a long base64 blob: mixed case and digits, unlike words, hex ids or paths. */
function isBase64Blob(part: string): boolean {
  return /^[A-Za-z0-9+/_-]{60,}={0,2}$/.test(part) && /[A-Z]/.test(part) && /[a-z]/.test(part) && /\d/.test(part);
}

export interface LinkSignals {
  /** Links straight to a file that runs when opened. */
  toRunnable: string[];
  /** Links to a bare IP address. */
  toIp: string[];
  /** Links that carry a long base64 blob, the way mass-mailed lures hide the victim and campaign. */
  encoded: string[];
  /** Many links, each to the bare root of a different site: URL bombing for reputation or SEO spam. */
  bombing: number;
  /** Sites linked to. */
  sites: number;
}

export function linkSignals(links: Link[]): LinkSignals {
  const web = links.filter((link) => /^https?:/i.test(link.uri));
  const toRunnable = web.filter((link) => RUNNABLE_FILE.test(pathOf(link.uri))).map((link) => link.uri);
  const toIp = web.filter((link) => /^\d{1,3}(\.\d{1,3}){3}$/.test(hostOf(link.uri) ?? '')).map((link) => link.uri);
  const encoded = web.filter((link) => link.uri.split(/[?&#=]/).slice(1).some(isBase64Blob)).map((link) => link.uri);
  const roots = new Set(web.filter((link) => /^https?:\/\/[^/?#]+\/?$/i.test(link.uri)).map((link) => siteOf(hostOf(link.uri) ?? '')));
  const sites = new Set(web.map((link) => siteOf(hostOf(link.uri) ?? ''))).size;
  return { toRunnable: [...new Set(toRunnable)], toIp: [...new Set(toIp)], encoded: [...new Set(encoded)], bombing: roots.size, sites };
}

/** Actions that fetch or send data or open embedded documents: rare in documents, and each a step in some lures. */
export function reachingActions(doc: PdfDocument): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const object of doc.objects.values()) {
    for (const m of object.dict.matchAll(/\/S\s*\/(GoToE|GoToR|ImportData|SubmitForm|RichMediaExecute|Rendition)\b/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  }
  return counts;
}
