/**
 * Email (RFC 822 / MIME) analysis: what the message carries. Phishing and
 * malspam put the payload in an attachment, an HTML page that builds a
 * credential form or fetches a script, or a program or script to run.
 * Parses MIME parts by their boundaries, bounded in count and depth.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';

export interface Attachment {
  name: string;
  type: string;
  content: Buffer;
}

const MAX_PARTS = 200;
const HEADER = /^(Received|From|To|Subject|Return-Path|Message-I[Dd]|MIME-Version|Date|X-Mailer|Delivered-To):/gm;

/** libmagic calls many messages text/plain: a head of mail headers with a MIME content type is one. */
export function looksLikeEmail(head: string): boolean {
  const names = new Set(Array.from(head.matchAll(HEADER), (m) => m[1]!.toLowerCase()));
  return /^Content-Type:\s*(multipart|text)\//im.test(head) && names.has('from') && names.size >= 3;
}

/** Headers of a part, unfolded, with lowercase names. */
function headersOf(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

const param = (value: string | undefined, name: string) => value?.match(new RegExp(`${name}\\*?=\\s*"?([^";\\r\\n]+)"?`, 'i'))?.[1];

function decode(body: string, encoding: string | undefined): Buffer {
  if (/base64/i.test(encoding ?? '')) return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (/quoted-printable/i.test(encoding ?? '')) return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  return Buffer.from(body, 'latin1');
}

/** Every named, HTML or non-text part of the message, decoded: a part without a name is a body. */
export function attachmentsOf(text: string): Attachment[] {
  const found: Attachment[] = [];
  const queue: Array<{ text: string; depth: number }> = [{ text, depth: 0 }];
  let parts = 0;
  while (queue.length > 0 && parts < MAX_PARTS) {
    const { text: entity, depth } = queue.shift()!;
    const split = entity.search(/\r?\n\r?\n/);
    const headers = headersOf(split < 0 ? entity : entity.slice(0, split));
    const body = split < 0 ? '' : entity.slice(split).replace(/^\r?\n\r?\n/, '');
    const type = (headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
    const boundary = param(headers.get('content-type'), 'boundary');
    if (type.startsWith('multipart/') && boundary !== undefined && depth < 8) {
      for (const piece of body.split(`--${boundary}`).slice(1)) {
        if (piece.startsWith('--') || ++parts > MAX_PARTS) break;
        queue.push({ text: piece.replace(/^\r?\n/, ''), depth: depth + 1 });
      }
      continue;
    }
    const name = param(headers.get('content-disposition'), 'filename') ?? param(headers.get('content-type'), 'name') ?? '';
    if (name !== '' || type === 'text/html' || (depth > 0 && !type.startsWith('text/'))) found.push({ name, type, content: decode(body, headers.get('content-transfer-encoding')) });
  }
  return found;
}

const RUNNABLE = /\.(exe|scr|com|pif|cpl|dll|js|jse|vbs|vbe|wsf|wsh|hta|ps1|bat|cmd|lnk|jar|msi|iso|img|vhd|reg|chm|xll|one)$/i;
const HTML = /\.(s?html?|xht|svg)$/i;
const SCRIPT_TRICKS = /String\.fromCharCode|unescape\s*\(|atob\s*\(|eval\s*\(|document\.write\s*\(|createElement\s*\(|window\.location|location\.(href|replace)/i;
const PASSWORD_FORM = /<input[^>]+type\s*=\s*["']?password/i;

export function emailFindings(attachments: Attachment[]): Finding[] {
  const findings: Finding[] = [];
  for (const a of attachments) {
    const label = JSON.stringify(a.name || a.type);
    if (RUNNABLE.test(a.name)) {
      findings.push({ rule: 'email.attachment.runnable', description: `attachment ${label} runs when opened (program, script or shortcut)`, severity: 'high' });
    } else if (a.name === '' && a.type === 'text/html') {
      // Mail clients never run script in a message body: one that decodes or loads content is aimed at a browser the victim opens it in.
      const html = a.content.toString('latin1');
      if (/<script/i.test(html) && SCRIPT_TRICKS.test(html)) findings.push({ rule: 'email.body.script', description: 'HTML body with script that decodes or loads content (redirect or smuggling)', severity: 'high' });
    } else if (HTML.test(a.name) || a.type === 'text/html') {
      const html = a.content.toString('latin1');
      const tricks = [SCRIPT_TRICKS.test(html) ? 'script that decodes or loads content' : '', PASSWORD_FORM.test(html) ? 'a password field' : ''].filter(Boolean);
      if (tricks.length > 0) findings.push({ rule: 'email.attachment.html-lure', description: `HTML attachment ${label} with ${tricks.join(' and ')}: a local phishing page or HTML smuggling`, severity: 'high' });
      else findings.push({ rule: 'email.attachment.html', description: `HTML attachment ${label}: opens a local web page outside the mail client's protections`, severity: 'medium' });
    }
  }
  return findings;
}

export const emailAnalyzer: Analyzer = {
  name: 'email',
  accepts: (sample) => sample.realMime === 'message/rfc822' || /\.eml$/i.test(sample.name) || looksLikeEmail(sample.bytes.toString('latin1', 0, 4096)),
  analyse(sample) {
    const attachments = attachmentsOf(sample.bytes.toString('latin1'));
    return { findings: emailFindings(attachments), details: { attachments: attachments.map((a) => ({ name: a.name, type: a.type, size: a.content.length })) } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(emailAnalyzer));
