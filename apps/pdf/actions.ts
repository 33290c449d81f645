/**
 * The PDF's non-script actions: /Launch judged by what it runs, file
 * targets on other machines (UNC paths that leak the user's NTLM hash), and
 * the rarer actions that reach out (/GoToE, /GoToR, /ImportData, /SubmitForm).
 */
import type { PdfDocument } from './document.ts';
import { deref, stringText, textOf, valueOf, valuesOf } from './values.ts';

export interface Launch {
  object: string;
  target: string;
  parameters: string;
  dangerous: boolean;
}

/** File names that run when opened: executables, scripts, installers, shortcuts and disk images. */
export const RUNNABLE_FILE = /\.(exe|scr|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|lnk|msi|dll|cpl|jar|iso|img|vhdx?|url|reg|sh|appimage|apk)$/i;
/** Of those, the ones that are almost never a document's honest download link (unlike .js, .iso or .sh in manuals). */
export const EXECUTABLE_FILE = /\.(exe|scr|pif|bat|cmd|ps1|vbs|vbe|jse|wsf|wsh|hta|lnk|msi|cpl)$/i;
/** What a lure makes Reader run: shells, script hosts, executables and scripts. */
const RUNNABLE = /(^|[\\/\s"'])(cmd|powershell|pwsh|mshta|wscript|cscript|rundll32|regsvr32|msiexec|certutil|bitsadmin|curl|wget|bash|sh)(\.exe)?\b|\.(exe|scr|com|pif|bat|cmd|ps1|vbs|vbe|js|jse|wsf|wsh|hta|lnk|msi|dll|cpl|jar|iso|img|vhdx?|url|reg|sh|appimage|apk)\b/i;


export function launchesOf(doc: PdfDocument): Launch[] {
  const launches: Launch[] = [];
  for (const object of doc.objects.values()) {
    if (!/\/S\s*\/Launch\b/.test(object.dict)) continue;
    const win = valueOf(object.dict, 'Win') ?? '';
    const target = [valueOf(win, 'F'), valueOf(object.dict, 'F')].map((t) => fileNameOf(doc, t)).find((t) => t !== '') ?? '';
    const parameters = [valueOf(win, 'P'), valueOf(object.dict, 'P')].map((t) => (t === undefined ? '' : stringText(t))).join(' ').trim();
    launches.push({ object: object.id, target, parameters, dangerous: RUNNABLE.test(target) || RUNNABLE.test(parameters) });
  }
  return launches;
}

/** Actions that fetch or send data or open embedded documents: rare in documents, and each a step in some lures. */
export function reachingActions(doc: PdfDocument): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const object of doc.objects.values()) {
    for (const m of object.dict.matchAll(/\/S\s*\/(GoToE|GoToR|ImportData|SubmitForm|RichMediaExecute|Rendition)\b/g)) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  }
  return counts;
}

/** The file an action names: a string, or a file specification's /UF or /F, possibly behind a reference. */
export function fileNameOf(doc: PdfDocument, token: string | undefined): string {
  const t = deref(doc, token)?.dict.trim() ?? token;
  return t === undefined ? '' : t.startsWith('<<') ? textOf(doc, valueOf(t, 'UF') ?? valueOf(t, 'F')) : textOf(doc, t);
}

/**
 * Actions whose target file is on another machine (`\\\\host\\share`, `//host/share`,
 * `file://host/…`): opening it makes Windows send the user's NTLM hash to that host.
 */
export function remoteFileTargets(doc: PdfDocument): string[] {
  const found: string[] = [];
  for (const object of doc.objects.values()) {
    if (!/\/S\s*\/(GoToR|GoToE|Launch|ImportData|SubmitForm|Thread)\b/.test(object.dict)) continue;
    const win = valueOf(object.dict, 'Win') ?? '';
    for (const token of [valueOf(object.dict, 'F'), valueOf(win, 'F')]) {
      const name = fileNameOf(doc, token).trim();
      if (/^(\\\\|\/\/)[^\\/]+[\\/]|^file:\/\/[^/]/i.test(name)) found.push(name.slice(0, 200));
    }
    if (found.length >= 20) break;
  }
  return found;
}

/**
 * What the document does by itself when opened or when a page shows
 * (/OpenAction, and /AA of the catalog or a page): actions that reach out
 * then, before any click, are a lure's or a tracker's.
 */
export function automaticActions(doc: PdfDocument): string[] {
  const kinds = new Set<string>();
  const actionKind = (token: string) => /\/S\s*\/(URI|SubmitForm|ImportData|GoToR|GoToE)\b/.exec(deref(doc, token)?.dict ?? token)?.[1];
  for (const object of doc.objects.values()) {
    if (!/\/Type\s*\/(Catalog|Page)\b/.test(object.dict)) continue;
    const open = valueOf(object.dict, 'OpenAction');
    const triggers = deref(doc, valueOf(object.dict, 'AA'))?.dict ?? valueOf(object.dict, 'AA') ?? '';
    const tokens = [open, ...['O', 'PO', 'PV', 'WC', 'DS'].map((key) => valueOf(triggers, key))];
    for (const token of tokens) {
      const kind = token === undefined ? undefined : actionKind(token);
      if (kind) kinds.add(kind);
    }
  }
  return [...kinds];
}
