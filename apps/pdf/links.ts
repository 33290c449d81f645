/**
 * Link targets (/URI), judged by where they lead (runnable files, bare IPs,
 * script or file schemes, a trusted name before an `@`), by what they carry
 * (encoded blobs), by how they sit on the page (a link over most of it is a
 * click-anywhere overlay) and by how many sites they lead to.
 */
import { EXECUTABLE_FILE, RUNNABLE_FILE } from './actions.ts';
import type { PdfDocument } from './document.ts';
import { textOf, valueOf, valuesOf } from './values.ts';

export interface Link {
  object: string;
  uri: string;
  /** Share of the page the link annotation covers (0 when unknown). */
  coverage: number;
}

function numbers(token: string | undefined): number[] {
  return [...(token ?? '').matchAll(/-?\d*\.?\d+/g)].slice(0, 4).map((m) => Number(m[0]));
}

function area(box: number[]): number {
  return box.length === 4 ? Math.abs((box[2]! - box[0]!) * (box[3]! - box[1]!)) : 0;
}

/**
 * Whether the pages show only pictures: images, and no text operator in any
 * decoded page content. Lures are often a screenshot of a document with a
 * link over it; undefined when the contents cannot be read (encrypted, none).
 */
export function imageOnly(doc: PdfDocument): boolean | undefined {
  let pages = 0;
  let contents = 0;
  if (![...doc.objects.values()].some((o) => /\/Subtype\s*\/Image\b/.test(o.dict))) return false;
  for (const page of doc.objects.values()) {
    if (!/\/Type\s*\/Page\b/.test(page.dict)) continue;
    for (const ref of [...(valueOf(page.dict, 'Contents') ?? '').matchAll(/(\d+)\s+(\d+)\s+R/g)].slice(0, 200)) {
      const stream = doc.objects.get(`${ref[1]} ${ref[2]}`)?.stream;
      if (stream === undefined) return undefined;
      contents++;
      if (/\b(Tj|TJ)\b|['"]\s*$/m.test(stream.toString('latin1'))) return false;
    }
    if (++pages > 500) break;
  }
  return pages > 0 && contents > 0 ? true : undefined;
}

/** Links in documents cover a word or a line; a lure's covers the page, or most of it. */
const OVERLAY_COVERAGE = 0.4;

export function linksOf(doc: PdfDocument): Link[] {
  // Pages differ little in size; the first MediaBox (or Letter) is the page a link is measured against.
  const page = [...doc.objects.values()].map((o) => area(numbers(valueOf(o.dict, 'MediaBox')))).find((a) => a > 0) ?? 612 * 792;
  // A URI action may sit in its own object, pointed at by the annotation's /A.
  const rectOfAction = new Map<string, number[]>();
  for (const object of doc.objects.values()) {
    const action = /\/A\s*(\d+\s+\d+)\s+R/.exec(object.dict);
    if (action && /\/Rect\b/.test(object.dict)) rectOfAction.set(action[1]!.replace(/\s+/, ' '), numbers(valueOf(object.dict, 'Rect')));
  }
  const links: Link[] = [];
  for (const object of doc.objects.values()) {
    for (const token of valuesOf(object.dict, 'URI')) {
      if (!token.startsWith('(') && !/^<[^<]/.test(token) && !/^\d+\s+\d+\s+R/.test(token)) continue;
      const rect = /\/Rect\b/.test(object.dict) ? numbers(valueOf(object.dict, 'Rect')) : (rectOfAction.get(object.id) ?? []);
      links.push({ object: object.id, uri: textOf(doc, token).trim().slice(0, 8192), coverage: Math.min(1, area(rect) / page) });
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
  /** Links straight to a Windows executable, script or installer (a subset of toRunnable). */
  toExecutable: string[];
  /** Links to a bare IP address. */
  toIp: string[];
  /** Links that carry a long base64 blob, the way mass-mailed lures hide the victim and campaign. */
  encoded: string[];
  /** Many links, each to the bare root of a different site: URL bombing for reputation or SEO spam. */
  bombing: number;
  /** Sites linked to. */
  sites: number;
  /** Links that run script (javascript:, vbscript:, data:). */
  toScript: string[];
  /** file: links, which open local or shared files (and share the user's NTLM hash with a remote host). */
  toFile: string[];
  /** Links whose host hides behind a trusted-looking name and an `@` (https://bank.com@evil.example). */
  deceptive: string[];
  /** Web links covering most of a page: click anywhere and go. */
  overlays: string[];
}

export function linkSignals(links: Link[]): LinkSignals {
  const web = links.filter((link) => /^https?:/i.test(link.uri));
  const toRunnable = web.filter((link) => RUNNABLE_FILE.test(pathOf(link.uri))).map((link) => link.uri);
  const toIp = web.filter((link) => /^\d{1,3}(\.\d{1,3}){3}$/.test(hostOf(link.uri) ?? '')).map((link) => link.uri);
  const encoded = web.filter((link) => link.uri.split(/[?&#=]/).slice(1).some(isBase64Blob)).map((link) => link.uri);
  const roots = new Set(web.filter((link) => /^https?:\/\/[^/?#]+\/?$/i.test(link.uri)).map((link) => siteOf(hostOf(link.uri) ?? '')));
  const sites = new Set(web.map((link) => siteOf(hostOf(link.uri) ?? ''))).size;
  const toScript = links.filter((link) => /^\s*(javascript|vbscript|data):/i.test(link.uri)).map((link) => link.uri.slice(0, 120));
  const toFile = links.filter((link) => /^\s*file:/i.test(link.uri)).map((link) => link.uri.slice(0, 120));
  const toExecutable = toRunnable.filter((uri) => EXECUTABLE_FILE.test(pathOf(uri)));
  const deceptive = web.filter((link) => /^https?:\/\/[^/?#@]*\.[^/?#@]*@/i.test(link.uri)).map((link) => link.uri);
  const overlays = web.filter((link) => link.coverage >= OVERLAY_COVERAGE).map((link) => link.uri);
  const unique = (items: string[]) => [...new Set(items)];
  return { toRunnable: unique(toRunnable), toExecutable: unique(toExecutable), toIp: unique(toIp), encoded: unique(encoded), bombing: roots.size, sites, toScript: unique(toScript), toFile: unique(toFile), deceptive: unique(deceptive), overlays: unique(overlays) };
}

function pathOf(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return '';
  }
}
