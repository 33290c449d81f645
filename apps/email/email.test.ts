import { describe, expect, it } from 'vitest';
import { attachmentsOf, emailFindings, looksLikeEmail } from './email.ts';

const message = (parts: string[]) =>
  ['From: Support <a@example.net>', 'To: b@example.org', 'Subject: hi', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="XX"', '', ...parts.flatMap((p) => ['--XX', p]), '--XX--', ''].join('\r\n');
const rules = (text: string) => emailFindings(attachmentsOf(text)).map((f) => f.rule);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('email app', () => {
  it('recognises a message libmagic calls text/plain', () => {
    expect(looksLikeEmail(message(['Content-Type: text/plain\r\n\r\nhello']))).toBe(true);
    expect(looksLikeEmail('Dear reader,\nFrom: the editor\n')).toBe(false);
  });

  it('flags an HTML attachment whose script decodes a page', () => {
    const html = '<html><script>var s=String.fromCharCode(104);document.body.appendChild(document.createElement(s))</script></html>';
    expect(rules(message([`Content-Type: application/octet-stream; name="Update.html"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(html)}`]))).toEqual(['email.attachment.html-lure']);
    expect(rules(message(['Content-Type: text/html; name="menu.html"\r\n\r\n<html><p>Lunch</p></html>']))).toEqual(['email.attachment.html']);
  });

  it('flags script in an HTML body and runnable attachments, not a plain newsletter', () => {
    expect(rules(message(['Content-Type: text/html\r\n\r\n<script>eval(unescape("%61"))</script>']))).toEqual(['email.body.script']);
    expect(rules(message([`Content-Type: application/octet-stream; name="invoice.js"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64('WScript.Echo(1)')}`]))).toEqual(['email.attachment.runnable']);
    expect(rules(message(['Content-Type: text/html\r\n\r\n<p>News</p>', `Content-Type: application/pdf; name="report.pdf"\r\n\r\n%PDF-1.4`]))).toEqual([]);
  });
});
