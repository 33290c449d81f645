/**
 * From what the PDF holds to findings. A technique that only malware uses
 * (an exploit-era API, /Launch of a shell, a payload hidden in a stream) is
 * a finding of its own; signals that benign documents also carry (a script
 * on open, an attachment, a JBIG2 image, links) are weighed together into
 * one `pdf.score.suspicious`, so no single one makes a file suspicious.
 */
import type { Finding } from '../lib/report.ts';
import type { Launch } from './actions.ts';
import type { Attachment, Format } from './embedded.ts';
import type { Script } from './javascript.ts';
import type { Link, LinkSignals } from './links.ts';

export interface PdfFacts {
  header: string | null;
  encrypted: boolean;
  decrypted: boolean;
  scripts: Script[];
  xfaScripts: string[];
  xfa: boolean;
  /** Interactive form fields (/FT). */
  formFields: number;
  launches: Launch[];
  links: Link[];
  linkSignals: LinkSignals;
  /** No page shows text: a picture of a document. */
  imageOnly: boolean;
  reaching: Record<string, number>;
  remoteFiles: string[];
  /** Reaching actions run on open or page view, by kind (URI, SubmitForm …). */
  automatic: string[];
  attachments: Attachment[];
  hidden: Array<{ object: string; format: Format }>;
  polyglot: string | null;
  peStub: boolean;
  /** Where %PDF- starts: readers accept junk before it, and polyglots need it. */
  headerOffset: number;
  filterStacks: number;
  bombs: Array<{ object: string; inputBytes: number; outputBytes: number }>;
  /** Bytes the streams decoded to, against the file's size. */
  decodedBytes: number;
  size: number;
  obfuscatedNames: Record<string, number>;
  jbig2: number;
}

/**
 * Documents decode to a few times their size (text, fonts, photos); near-constant
 * images and font floods a hundred times and more, which exhausts scanners and viewers.
 */
const EXPANSION_FACTOR = 100;
const EXPANSION_MIN_BYTES = 4 << 20;
/** A reference list links to pages; link spam to the bare roots of this many sites. */
const URL_BOMBING_SITES = 20;
/** Weighted signals reach a suspicious verdict together at this sum. */
const SUSPICIOUS_SCORE = 3;

const list = (items: string[], max = 3) => items.slice(0, max).join(', ') + (items.length > max ? `, … (${items.length})` : '');

function scriptFindings(facts: PdfFacts, findings: Finding[], weigh: (points: number, why: string) => void): void {
  const documentScripts = facts.scripts.filter((s) => s.trigger === 'document');
  const exploits = [...new Set(facts.scripts.flatMap((s) => s.exploits))];
  if (exploits.length > 0) findings.push({ rule: 'pdf.javascript.exploit', description: `JavaScript calls ${list(exploits)}`, severity: 'high' });
  const obfuscated = [...new Set(documentScripts.flatMap((s) => s.obfuscation))];
  // One decoder call is ordinary; obfuscation is a decoder feeding eval, or encoded blobs.
  if (obfuscated.length >= 2 || obfuscated.some((o) => /long|heap/.test(o))) findings.push({ rule: 'pdf.javascript.obfuscated', description: `document JavaScript is obfuscated: ${list(obfuscated, 6)}`, severity: exploits.length > 0 ? 'high' : 'medium' });
  const fieldObfuscation = [...new Set(facts.scripts.filter((s) => s.trigger === 'field').flatMap((s) => s.obfuscation))];
  if (fieldObfuscation.length >= 2) weigh(2, `form-field script obfuscated (${list(fieldObfuscation)})`);
  const outbound = [...new Set(documentScripts.flatMap((s) => s.outbound))];
  if (outbound.length > 0) weigh(2, `document JavaScript reaches out (${list(outbound)})`);
  if (documentScripts.length > 0) {
    findings.push({ rule: 'pdf.javascript', description: `${documentScripts.length} document-level or open/link JavaScript action(s)`, severity: 'low' });
    // Fillable forms carry document scripts to support their fields; a lure has no fields.
    if (facts.formFields > 0) weigh(1, 'document-level JavaScript in a form');
    else weigh(2, 'document-level JavaScript');
    if (facts.linkSignals.sites > 0) weigh(1, 'JavaScript together with links to other sites');
  }
  const fieldScripts = facts.scripts.length - documentScripts.length;
  if (fieldScripts > 0) findings.push({ rule: 'pdf.javascript.form', description: `${fieldScripts} form-field script(s) (format, keystroke, validate, calculate)`, severity: 'info' });
  if (facts.xfaScripts.length > 0) {
    const xfa = facts.xfaScripts.map((code) => code.slice(0, 60).trim());
    findings.push({ rule: 'pdf.xfa.script', description: `XFA form with script, run on open: ${list(xfa, 2)}`, severity: 'medium' });
  } else if (facts.xfa) weigh(1, 'XFA form');
}

function linkFindings(facts: PdfFacts, findings: Finding[], weigh: (points: number, why: string) => void): void {
  const { toRunnable, toExecutable, toIp, encoded, bombing, toScript, toFile, deceptive, overlays } = facts.linkSignals;
  // Intranet documents point at file servers by name; the hash-stealing lure points at an address.
  const remoteByIp = facts.remoteFiles.filter((target) => /^(\\\\|\/\/|file:\/\/)\d{1,3}(\.\d{1,3}){3}[\\/]/i.test(target));
  if (remoteByIp.length > 0) findings.push({ rule: 'pdf.remote-file', description: `action opens a file on an IP address, leaking the user's NTLM hash: ${list(remoteByIp, 2)}`, severity: 'medium' });
  else if (facts.remoteFiles.length > 0) weigh(2, `action opens a file on another machine (${list(facts.remoteFiles, 1)})`);
  if (toScript.length > 0) findings.push({ rule: 'pdf.uri.script', description: `link runs script: ${list(toScript, 2)}`, severity: 'medium' });
  if (toFile.length > 0) weigh(2, `file: link (${list(toFile, 1)})`);
  if (deceptive.length > 0) findings.push({ rule: 'pdf.uri.deceptive', description: `link hides its host behind a name and @: ${list(deceptive, 2)}`, severity: 'medium' });
  if (overlays.length > 0) weigh(2, `link covering most of a page (${list(overlays.map((u) => u.slice(0, 80)), 1)})`);
  // A screenshot of a document whose only action is a way out is the shape of a link lure.
  if (facts.imageOnly && facts.linkSignals.sites > 0) weigh(1, 'pages are pictures only, with links out');
  if (toExecutable.length > 0) findings.push({ rule: 'pdf.uri.runnable', description: `link to a program, script or installer: ${list(toExecutable, 2)}`, severity: 'medium' });
  else if (toRunnable.length > 0) weigh(2, `link to a file that may run (${list(toRunnable, 1)})`);
  if (toIp.length > 0) weigh(2, `link to a bare IP address (${list(toIp, 2)})`);
  if (encoded.length > 0) weigh(3, `link carrying an encoded blob (${list(encoded.map((u) => u.slice(0, 80)), 1)})`);
  if (bombing >= URL_BOMBING_SITES) findings.push({ rule: 'pdf.uri.bombing', description: `links to the bare roots of ${bombing} different sites (URL bombing)`, severity: 'medium' });
}

export function pdfFindings(facts: PdfFacts): Finding[] {
  const findings: Finding[] = [];
  const reasons: string[] = [];
  let score = 0;
  const weigh = (points: number, why: string) => {
    score += points;
    reasons.push(why);
  };
  if (facts.header === null) findings.push({ rule: 'pdf.no-header', description: 'no %PDF- header in the first 1024 bytes', severity: 'low' });
  for (const launch of facts.launches) {
    const what = `${launch.target} ${launch.parameters}`.trim().slice(0, 160);
    if (launch.dangerous) findings.push({ rule: 'pdf.launch.program', description: `/Launch runs a program or script: ${what}`, severity: 'high' });
    else findings.push({ rule: 'pdf.launch', description: `/Launch opens ${what || 'an unnamed target'}`, severity: 'low' });
  }
  scriptFindings(facts, findings, weigh);
  linkFindings(facts, findings, weigh);
  const runnable = facts.attachments.filter((a) => a.runnableName).map((a) => a.name);
  if (runnable.length > 0) findings.push({ rule: 'pdf.embedded.runnable', description: `attachment named as an executable or script: ${list(runnable)}`, severity: 'medium' });
  if (facts.attachments.length > 0) {
    findings.push({ rule: 'pdf.embedded-file', description: `${facts.attachments.length} attachment(s): ${list(facts.attachments.map((a) => a.name))}`, severity: 'low' });
    // Attachments are common in invoices and archives; only droppers' other traits (a launch, a runnable name) make them count.
    weigh(0.5, 'attachments');
  }
  for (const hidden of facts.hidden.slice(0, 5)) {
    const executable = hidden.format === 'PE' || hidden.format === 'ELF';
    findings.push({ rule: 'pdf.hidden-file', description: `stream ${hidden.object} is not an attachment yet holds a ${hidden.format} file`, severity: executable ? 'high' : 'medium' });
  }
  if (facts.peStub) findings.push({ rule: 'pdf.pe-inside', description: 'the bytes of a Windows executable (its DOS stub) are stored unpacked in the PDF', severity: 'medium' });
  // Encryption that any reader opens without a password hides the content from scanners only.
  if (facts.decrypted && facts.scripts.length + facts.launches.length + facts.attachments.length > 0) weigh(1, 'encrypted with the empty password around scripts, launches or attachments');
  if (facts.headerOffset > 0) weigh(1, `%PDF header at offset ${facts.headerOffset}`);
  if (facts.filterStacks > 0) weigh(1, `${facts.filterStacks} stream(s) behind stacked or repeated filters`);
  if (facts.polyglot) findings.push({ rule: 'pdf.polyglot', description: `the PDF is also another format: ${facts.polyglot}`, severity: 'medium' });
  if (facts.bombs.length > 0) {
    const bomb = facts.bombs[0]!;
    findings.push({ rule: 'pdf.decompression-bomb', description: `${facts.bombs.length} stream(s) inflate past the limit or at a bomb's ratio (object ${bomb.object}: ${bomb.inputBytes} → ${bomb.outputBytes}+ bytes)`, severity: 'medium' });
  }
  else if (facts.decodedBytes >= EXPANSION_MIN_BYTES && facts.decodedBytes >= EXPANSION_FACTOR * facts.size) {
    findings.push({ rule: 'pdf.decompression-bomb', description: `streams inflate to ${facts.decodedBytes} bytes, ${Math.round(facts.decodedBytes / facts.size)}× the file (documents stay under 10×)`, severity: 'medium' });
  }
  const hidden = Object.entries(facts.obfuscatedNames);
  if (hidden.length > 0) findings.push({ rule: 'pdf.name-obfuscation', description: `names written with #xx escapes: ${hidden.map(([k, v]) => `${k} (${v})`).join(', ')}`, severity: 'medium' });
  if (facts.automatic.length > 0) weigh(2, `on open the document itself runs ${facts.automatic.map((k) => `/${k}`).join(', ')}`);
  for (const [action, n] of Object.entries(facts.reaching)) weigh(action === 'SubmitForm' || action === 'GoToR' ? 1 : 2, `${n} × /${action}`);
  if (facts.jbig2 > 0) weigh(1, `${facts.jbig2} JBIG2 stream(s)`);
  if (score >= SUSPICIOUS_SCORE) findings.push({ rule: 'pdf.score.suspicious', description: `weak signals together (score ${score}): ${reasons.join('; ')}`, severity: 'medium' });
  return findings;
}
