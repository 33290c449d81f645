/**
 * PDF analysis in the manner of Didier Stevens' pdfid: counts of the names
 * that make a PDF act (/JS, /JavaScript, /OpenAction, /AA, /Launch,
 * /EmbeddedFile, /XFA, /ObjStm, ...), with names hidden by `#xx` escapes
 * decoded and counted as obfuscation.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';

export const KEYWORDS = ['obj', 'endobj', 'stream', 'endstream', 'xref', 'trailer', 'startxref', '/Page', '/Encrypt', '/ObjStm', '/JS', '/JavaScript', '/AA', '/OpenAction', '/AcroForm', '/JBIG2Decode', '/RichMedia', '/Launch', '/EmbeddedFile', '/XFA', '/URI', '/SubmitForm', '/GoToR'] as const;

export interface PdfCounts {
  header: string | null;
  counts: Record<string, number>;
  /** Keyword → how many of its occurrences were written with `#xx` escapes. */
  obfuscated: Record<string, number>;
}

/** pdfid's delimiters: a name ends at whitespace or any of these. */
const DELIMITER = /[\s()<>[\]{}/%]/;

export function countPdf(bytes: Buffer): PdfCounts {
  const text = bytes.toString('latin1');
  const counts: Record<string, number> = Object.fromEntries(KEYWORDS.map((k) => [k, 0]));
  const obfuscated: Record<string, number> = {};
  const header = /%PDF-\d\.\d/.exec(text.slice(0, 1024))?.[0] ?? null;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '/') {
      let j = i + 1;
      while (j < text.length && !DELIMITER.test(text[j]!)) j++;
      const raw = text.slice(i, j);
      const name = raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      if (name in counts) {
        counts[name]!++;
        if (name !== raw) obfuscated[name] = (obfuscated[name] ?? 0) + 1;
      }
      i = j;
    } else if (/[a-z]/.test(c) && (i === 0 || DELIMITER.test(text[i - 1]!))) {
      let j = i + 1;
      while (j < text.length && /[a-z]/.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (word in counts) counts[word]!++;
      i = j;
    } else {
      i++;
    }
  }
  return { header, counts, obfuscated };
}

export function pdfFindings({ header, counts, obfuscated }: PdfCounts): Finding[] {
  const findings: Finding[] = [];
  const n = (k: string) => counts[k] ?? 0;
  const js = n('/JS') + n('/JavaScript');
  if (header === null) findings.push({ rule: 'pdf.no-header', description: 'no %PDF- header in the first 1024 bytes', severity: 'low' });
  if (js > 0) findings.push({ rule: 'pdf.javascript', description: `${n('/JavaScript')} × /JavaScript, ${n('/JS')} × /JS`, severity: 'medium' });
  if (js > 0 && n('/OpenAction') + n('/AA') > 0) findings.push({ rule: 'pdf.javascript-on-open', description: 'JavaScript with an automatic action (/OpenAction or /AA)', severity: 'medium' });
  if (n('/Launch') > 0) findings.push({ rule: 'pdf.launch', description: `${n('/Launch')} × /Launch: runs a program`, severity: 'high' });
  if (n('/EmbeddedFile') > 0) findings.push({ rule: 'pdf.embedded-file', description: `${n('/EmbeddedFile')} × /EmbeddedFile`, severity: 'low' });
  if (n('/XFA') > 0) findings.push({ rule: 'pdf.xfa', description: 'XFA form (scriptable)', severity: 'low' });
  if (n('/JBIG2Decode') > 0) findings.push({ rule: 'pdf.jbig2', description: 'JBIG2 stream (the filter of several exploits)', severity: 'low' });
  if (n('/RichMedia') > 0) findings.push({ rule: 'pdf.richmedia', description: 'embedded Flash or media (/RichMedia)', severity: 'low' });
  const hidden = Object.entries(obfuscated);
  if (hidden.length > 0) findings.push({ rule: 'pdf.name-obfuscation', description: `names written with #xx escapes: ${hidden.map(([k, v]) => `${k} (${v})`).join(', ')}`, severity: 'medium' });
  return findings;
}

export const pdfAnalyzer: Analyzer = {
  name: 'pdf',
  // Readers take a PDF whose header lies anywhere in the first KiB, so polyglots start with something else.
  accepts: (sample) => sample.bytes.subarray(0, 1024).includes('%PDF-') || /pdf/.test(`${sample.mime} ${sample.realMime}`),
  analyse(sample) {
    const result = countPdf(sample.bytes);
    return { findings: pdfFindings(result), details: { ...result } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(pdfAnalyzer));
