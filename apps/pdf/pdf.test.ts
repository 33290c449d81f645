import { describe, expect, it } from 'vitest';
import { countPdf, pdfFindings } from './pdf.ts';

const pdf = (body: string) => Buffer.from(`%PDF-1.4\n${body}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
const rules = (body: string) => pdfFindings(countPdf(pdf(body))).map((f) => f.rule);

describe('PDF app', () => {
  it('counts the pdfid keywords', () => {
    const { counts, header } = countPdf(pdf('1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj'));
    expect(header).toBe('%PDF-1.4');
    expect(counts).toMatchObject({ obj: 2, endobj: 2, '/JavaScript': 1, '/JS': 1, '/OpenAction': 1, '/Launch': 0, trailer: 1 });
  });

  it('flags JavaScript run on open, /Launch and embedded files, and leaves a plain PDF clean', () => {
    expect(rules('1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj')).toEqual(['pdf.javascript', 'pdf.javascript-on-open']);
    expect(rules('1 0 obj << /S /Launch /F (cmd.exe) >> endobj 2 0 obj << /Type /EmbeddedFile >> endobj')).toEqual(['pdf.launch', 'pdf.embedded-file']);
    expect(rules('1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj')).toEqual([]);
  });

  it('decodes names hidden by #xx escapes and counts them as obfuscation', () => {
    const result = countPdf(pdf('1 0 obj << /S /J#61vaScript /J#53 (x) /Open#41ction 2 0 R >> endobj'));
    expect(result.counts).toMatchObject({ '/JavaScript': 1, '/JS': 1, '/OpenAction': 1 });
    expect(result.obfuscated).toEqual({ '/JavaScript': 1, '/JS': 1, '/OpenAction': 1 });
    expect(pdfFindings(result).map((f) => f.rule)).toEqual(['pdf.javascript', 'pdf.javascript-on-open', 'pdf.name-obfuscation']);
  });
});
