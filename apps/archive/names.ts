/**
 * Member names that are the lure: malspam ships one program in an archive,
 * dressed as a document (`invoice.pdf.exe`, `invoice.pdf      .exe`, a
 * right-to-left override that reverses the extension), or hides it behind a
 * password the mail body gives, so that gateways cannot look inside.
 */
import path from 'node:path';
import type { Finding } from '../lib/report.ts';
import type { Member } from './listing.ts';

/** Windows runs these on a double click. */
export const RUNNABLE = /\.(?:exe|scr|com|pif|cpl|js|jse|vbs|vbe|wsf|wsh|hta|bat|cmd|ps1|lnk|jar|msi|reg|chm)$/i;
/** Runnable, or a container of runnable content that mail gateways do not open: what a password hides. */
const ENCRYPTED_RISK = /\.(?:exe|scr|com|pif|cpl|js|jse|vbs|vbe|wsf|wsh|hta|bat|cmd|ps1|lnk|jar|msi|iso|img|vhdx?|docm|xlsm|pptm|dotm)$/i;
/** What a lure pretends to be. */
const DOCUMENT = /\.(?:pdf|docx?|xlsx?|pptx?|rtf|txt|csv|jpe?g|png|gif|bmp|mp3|mp4|avi|html?|zip|rar)$/i;
/** Right-to-left and other bidirectional overrides, which make `gpj.exe` read as `exe.jpg`. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/;

const files = (members: Member[]) => members.filter((m) => !m.folder && !m.link);
const parts = (m: Member) => path.posix.parse(m.path.replace(/\\/g, '/'));
const show = (m: Member) => JSON.stringify(m.path);

export function nameFindings(members: Member[]): Finding[] {
  const findings: Finding[] = [];
  const entries = files(members);
  const hidden = entries.find((m) => m.encrypted && ENCRYPTED_RISK.test(m.path));
  if (hidden) findings.push({ rule: 'archive.encrypted-executable', description: `password-protected archive hides ${show(hidden)}: a password keeps scanners out, a program is what it keeps them from`, severity: 'medium' });
  const runnable = entries.filter((m) => RUNNABLE.test(m.path));
  if (entries.length === 1 && runnable.length === 1) {
    findings.push({ rule: 'archive.lone-executable', description: `the archive holds one file, the program ${show(runnable[0]!)}: the shape of a malspam attachment`, severity: 'medium' });
  }
  const doubled = runnable.find((m) => DOCUMENT.test(parts(m).name.trimEnd()));
  if (doubled) findings.push({ rule: 'archive.double-extension', description: `${show(doubled)} is a program named like a document`, severity: 'medium' });
  const padded = runnable.find((m) => /(?:\s{4,}|_{8,})\.[a-z0-9]+$/i.test(m.path));
  if (padded) findings.push({ rule: 'archive.extension-padding', description: `${show(padded)} pushes its program extension out of sight with blanks`, severity: 'medium' });
  const reversed = entries.find((m) => BIDI.test(m.path));
  if (reversed) findings.push({ rule: 'archive.bidi-override', description: `${show(reversed)} holds a bidirectional override character, which shows its extension in a false order`, severity: RUNNABLE.test(reversed.path.replace(BIDI, '')) ? 'high' : 'medium' });
  const sideload = sideloadPair(entries);
  if (sideload) findings.push({ rule: 'archive.dll-sideload', description: `${show(sideload[0])} ships beside ${show(sideload[1])}, a DLL name programs load from their own folder before the system's: DLL side-loading`, severity: 'medium' });
  return findings;
}

/**
 * System or updater DLLs that signed programs load from their own folder
 * first; no honest package ships its own copy next to an executable.
 */
const HIJACKED_DLL = /^(?:version|winmm|wwlib|msimg32|dbghelp|uxtheme|dwmapi|cryptbase|userenv|wtsapi32|secur32|sspicli|iphlpapi|netapi32|winhttp|wininet|propsys|ntmarta|goopdate|mpsvc)\.dll$/i;

function sideloadPair(entries: Member[]): [Member, Member] | undefined {
  for (const dll of entries.filter((m) => HIJACKED_DLL.test(parts(m).base))) {
    const program = entries.find((m) => /\.exe$/i.test(m.path) && parts(m).dir === parts(dll).dir);
    if (program) return [program, dll];
  }
  return undefined;
}
