import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import type { Sample } from '../lib/analyzer.ts';
import { buildPdf, CATALOG, PAGES, stream } from './fixture.ts';
import { pdfAnalyzer } from './pdf.ts';

function sample(bytes: Buffer, childrenDir?: string): Sample {
  return { bytes, size: bytes.length, truncated: false, path: 'x.pdf', name: 'x.pdf', mime: 'application/pdf', realMime: 'application/pdf', hashes: { md5: '', sha1: '', sha256: '' }, childrenDir };
}

async function analyse(objects: Array<string | Buffer>, childrenDir?: string) {
  const analysis = await pdfAnalyzer.analyse(sample(buildPdf(objects), childrenDir));
  return { ...analysis, rules: analysis.findings.map((f) => f.rule), severity: (rule: string) => analysis.findings.find((f) => f.rule === rule)?.severity };
}

const flagged = (findings: Array<{ severity: string }>) => findings.some((f) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical');

describe('PDF /Launch', () => {
  it('is high when it runs a shell or script host, low when it opens a document', async () => {
    const shell = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>']);
    expect(shell.severity('pdf.launch.program')).toBe('high');
    const document = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /Launch /F << /Type /Filespec /F (annex.pdf) >> >>']);
    expect(document.rules).toEqual(['pdf.launch']);
    expect(flagged(document.findings)).toBe(false);
  });
});

describe('PDF JavaScript', () => {
  it('finds exploit-era API calls in a script compressed inside an object stream', async () => {
    const objstm = '4 0 << /S /JavaScript /JS (var s = util.printf\\("%45000f", 1\\);) >>';
    const header = '4 0 ';
    const result = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>', PAGES, stream(`/Type /ObjStm /N 1 /First ${header.length}`, `${header}${objstm.slice(4)}`)]);
    expect(result.severity('pdf.javascript.exploit')).toBe('high');
  });

  it('flags obfuscated document JavaScript and leaves plain alerts and form-field formatting unflagged', async () => {
    const obfuscated = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, `<< /S /JavaScript /JS (eval\\(unescape\\("${'%u4141'.repeat(20)}"\\)\\)) >>`]);
    expect(obfuscated.severity('pdf.javascript.obfuscated')).toBe('medium');
    const alert = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /JavaScript /JS (app.alert\\("hello"\\);) >>']);
    expect(alert.rules).toEqual(['pdf.javascript']);
    expect(flagged(alert.findings)).toBe(false);
    const form = await analyse([CATALOG, PAGES, '<< /FT /Tx /T (amount) /Subtype /Widget /AA << /F 4 0 R /K 5 0 R >> >>', '<< /S /JavaScript /JS (AFNumber_Format\\(2, 0, 0, 0, "", true\\);) >>', '<< /S /JavaScript /JS (AFNumber_Keystroke\\(2, 0, 0, 0, "", true\\);) >>']);
    expect(form.rules).toEqual(['pdf.javascript.form']);
  });

  it('weighs document JavaScript in a fillable form less than in a page with a link out', async () => {
    const objects = (extra: string) => ['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /JavaScript /JS (app.alert\\("hi"\\);) >>', '<< /Subtype /Link /Rect [72 700 200 712] /A << /S /URI /URI (https://agency.example/help) >> >>', extra];
    expect((await analyse(objects('<< /FT /Tx /T (name) /Subtype /Widget >>'))).rules).not.toContain('pdf.score.suspicious');
    expect((await analyse(objects('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'))).rules).toContain('pdf.score.suspicious');
  });

  it('sees obfuscation that splits names or reads its code from the document', async () => {
    const split = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /JavaScript /JS (var a = this["ev" + "al"]; a\\(this.info.subject\\);) >>']);
    expect(split.severity('pdf.javascript.obfuscated')).toBe('medium');
  });

  it('finds script in an XFA form', async () => {
    const result = await analyse(['<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>', PAGES, '<< /XFA 4 0 R >>', stream('', '<xdp:xdp><template><script contentType="application/x-javascript">app.alert(1)</script></template></xdp:xdp>')]);
    expect(result.severity('pdf.xfa.script')).toBe('medium');
  });

  it('decodes #xx-escaped names and flags the escaping', async () => {
    const result = await analyse(['<< /Type /Catalog /Pages 2 0 R /Open#41ction 3 0 R >>', PAGES, '<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>']);
    expect(result.rules).toContain('pdf.name-obfuscation');
    expect(result.rules).toContain('pdf.javascript');
  });
});

describe('PDF files inside', () => {
  it('writes attachments as children and flags an executable name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdf-test-'));
    try {
      const result = await analyse(['<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(a) 3 0 R] >> >> >>', PAGES, '<< /Type /Filespec /F (invoice.pdf.exe) /EF << /F 4 0 R >> >>', stream('/Type /EmbeddedFile', 'MZ payload')], dir);
      expect(result.severity('pdf.embedded.runnable')).toBe('medium');
      expect(result.children).toEqual([{ path: '0-invoice.pdf.exe', member: 'invoice.pdf.exe' }]);
      expect(fs.readFileSync(path.join(dir, '0-invoice.pdf.exe'), 'latin1')).toBe('MZ payload');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not call a PDF with an uncompressed ZIP attachment a polyglot', async () => {
    const zip = Buffer.from('PK\x03\x04 local header ... PK\x01\x02 central directory ... PK\x05\x06 end record', 'latin1');
    const result = await analyse([CATALOG, PAGES, '<< /Type /Filespec /F (data.zip) /EF << /F 4 0 R >> >>', stream('/Type /EmbeddedFile', zip, false)]);
    expect(result.rules).toEqual(['pdf.embedded-file']);
  });

  it('flags a ZIP hidden in a stream whose filter lies', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(40)]);
    const result = await analyse([CATALOG, PAGES, Buffer.concat([Buffer.from(`<< /Filter /FlateDecode /Length ${zip.length} >>\nstream\n`, 'latin1'), zip, Buffer.from('\nendstream', 'latin1')])]);
    expect(result.severity('pdf.hidden-file')).toBe('medium');
  });

  it('stops a stream that inflates past the limit and calls it a bomb', async () => {
    const bomb = zlib.deflateSync(Buffer.alloc(40 << 20));
    const result = await analyse([CATALOG, PAGES, stream('', bomb, false).toString('latin1').replace('<< ', '<< /Filter /FlateDecode ')]);
    expect(result.severity('pdf.decompression-bomb')).toBe('medium');
  });

  it('calls streams that together inflate to a hundred times the file a bomb, and ordinary content not', async () => {
    const flood = await analyse([CATALOG, PAGES, stream('/Type /XObject /Subtype /Image /Width 1500 /Height 1200 /ColorSpace /DeviceRGB /BitsPerComponent 8', Buffer.alloc(1500 * 1200 * 3, 0xff))]);
    expect(flood.severity('pdf.decompression-bomb')).toBe('medium');
    const text = await analyse([CATALOG, PAGES, stream('', 'BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n'.repeat(2000))]);
    expect(text.rules).toEqual([]);
  });
});

describe('PDF links', () => {
  it('flags a link to an installer and URL bombing, not a few ordinary links', async () => {
    const link = (uri: string) => `<< /Type /Annot /Subtype /Link /A << /S /URI /URI (${uri}) >> >>`;
    const installer = await analyse([CATALOG, PAGES, link('https://example.com/dl/Setup.msi?id=1')]);
    expect(installer.severity('pdf.uri.runnable')).toBe('medium');
    const bombing = await analyse([CATALOG, PAGES, ...Array.from({ length: 22 }, (_, i) => link(`http://site${i}.com`))]);
    expect(bombing.rules).toContain('pdf.uri.bombing');
    const ordinary = await analyse([CATALOG, PAGES, link('https://example.org/about'), link('https://example.org/contact'), link('https://www.w3.org/TR/')]);
    expect(ordinary.rules).toEqual([]);
  });

  it('weighs a link carrying an encoded blob with document JavaScript into a suspicious score', async () => {
    const blob = Buffer.from('victim@example.com|campaign-42|download-the-invoice-now-please').toString('base64');
    const result = await analyse([CATALOG, PAGES, `<< /Type /Annot /Subtype /Link /A << /S /URI /URI (http://lure.example/r?${blob}) >> >>`]);
    expect(result.rules).toContain('pdf.score.suspicious');
  });
});

describe('PDF lure techniques', () => {
  const page = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>';
  it('flags a UNC target that leaks the NTLM hash, script and file links and an @-disguised host', async () => {
    const unc = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 3 0 R >>', PAGES, '<< /S /GoToR /F (\\\\\\\\203.0.113.5\\\\share\\\\doc.pdf) /D [0 /Fit] >>']);
    expect(unc.severity('pdf.remote-file')).toBe('medium');
    const script = await analyse([CATALOG, PAGES, '<< /Subtype /Link /A << /S /URI /URI (javascript:app.alert\\(1\\)) >> >>']);
    expect(script.severity('pdf.uri.script')).toBe('medium');
    const deceptive = await analyse([CATALOG, PAGES, '<< /Subtype /Link /A << /S /URI /URI (https://login.bank.example@203.0.113.9/x) >> >>']);
    expect(deceptive.severity('pdf.uri.deceptive')).toBe('medium');
  });

  it('weighs a web page opened by the document itself on open', async () => {
    const result = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /URI /URI (https://lure.example/x) >> >>', PAGES, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>', stream('', 'q 612 0 0 792 0 0 cm /Im0 Do Q'), stream('/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8', 'abcd')]);
    expect(result.rules).toContain('pdf.score.suspicious');
    const clicked = await analyse([CATALOG, PAGES, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>', stream('', 'q 612 0 0 792 0 0 cm /Im0 Do Q'), stream('/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8', 'abcd'), '<< /Subtype /Link /Rect [72 700 200 712] /A << /S /URI /URI (https://lure.example/x) >> >>']);
    expect(clicked.rules).toEqual([]);
  });

  it('weighs a click-anywhere link with document JavaScript, and leaves a small link alone', async () => {
    const overlay = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R >>', PAGES, page, '<< /Subtype /Link /Rect [0 0 612 700] /A << /S /URI /URI (https://lure.example/view) >> >>', '<< /S /JavaScript /JS (app.alert\\("Open in browser"\\);) >>']);
    expect(overlay.rules).toContain('pdf.score.suspicious');
    const small = await analyse([CATALOG, PAGES, page, '<< /Subtype /Link /Rect [72 700 200 712] /A << /S /URI /URI (https://example.org/) >> >>']);
    expect(small.rules).toEqual([]);
  });

  it('weighs a picture-only page with a click-anywhere link out, not the same page with text', async () => {
    const lure = (content: string) =>
      analyse([CATALOG, PAGES, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Annots [5 0 R] >>', stream('', content), '<< /Subtype /Link /Rect [0 0 612 792] /A << /S /URI /URI (https://lure.example/doc) >> >>', stream('/Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8', 'abcd')]);
    expect((await lure('q 612 0 0 792 0 0 cm /Im0 Do Q')).rules).toContain('pdf.score.suspicious');
    expect((await lure('q 612 0 0 792 0 0 cm /Im0 Do Q BT /F1 12 Tf 72 720 Td (Quarterly report) Tj ET')).rules).toEqual([]);
  });

  it('flags a PE stored unpacked and weighs stacked filters', async () => {
    const pe = await analyse([CATALOG, PAGES, stream('', 'MZ\x90\x00 This program cannot be run in DOS mode.', false)]);
    expect(pe.severity('pdf.pe-inside')).toBe('medium');
    const hex = Buffer.from(zlib.deflateSync(Buffer.from('BT (x) Tj ET')).toString('hex') + '>', 'latin1');
    const stacked = await analyse(['<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>', PAGES, Buffer.concat([Buffer.from(`<< /Filter [/AHx /AHx /Fl] /Length ${hex.length * 2 + 1} >>\nstream\n`, 'latin1'), Buffer.from(hex.toString('hex') + '>', 'latin1'), Buffer.from('\nendstream', 'latin1')]), '<< /S /JavaScript /JS (app.alert\\(1\\)) >>']);
    // Document JavaScript alone weighs 2 (see the alert test above); the stacked filters tip it over.
    expect(stacked.rules).toContain('pdf.score.suspicious');
  });
});

describe('PDF encryption', () => {
  const testdata = (name: string) => fs.readFileSync(path.join(import.meta.dirname, 'testdata', name));
  it.each(['empty-password-rc4-128.pdf', 'empty-password-aes-128.pdf', 'empty-password-aes-256-r6.pdf'])('opens %s with the empty password and reads its script', async (name) => {
    const analysis = await pdfAnalyzer.analyse(sample(testdata(name)));
    expect(analysis.details).toMatchObject({ encrypted: true, decrypted: true });
    expect(analysis.findings.map((f) => f.rule)).toContain('pdf.javascript.exploit');
  });

  it('leaves a file with a real user password encrypted, unflagged', async () => {
    const analysis = await pdfAnalyzer.analyse(sample(testdata('user-password-aes-256-r6.pdf')));
    expect(analysis.details).toMatchObject({ encrypted: true, decrypted: false });
    expect(flagged(analysis.findings)).toBe(false);
  });
});

describe('PDF benign corpus', () => {
  it('leaves every benign corpus PDF unflagged', async (context) => {
    const corpus = path.join(requireCorpus(context), 'benign', 'pdf');
    const files = fs.readdirSync(corpus).filter((f) => f.endsWith('.pdf'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const analysis = await pdfAnalyzer.analyse(sample(fs.readFileSync(path.join(corpus, file))));
      expect({ file, flagged: flagged(analysis.findings) }).toEqual({ file, flagged: false });
    }
  });
});

describe('PDF hostile structure', () => {
  // The test's own time limit is the bound: a quadratic scan of these objects would not end within it.
  it('stays bounded on objects without ends, streams without endstream and long escaped names', async () => {
    const junk = [
      '1 0 obj << /A (unclosed '.repeat(20_000),
      '2 0 obj << /Length 9 >> stream\nabc '.repeat(20_000),
      `3 0 obj << /N${'#zz'.repeat(200_000)} >>`,
    ].join('\n');
    const analysis = await pdfAnalyzer.analyse(sample(Buffer.from(`%PDF-1.7\n${junk}\n4 0 obj << /S /Launch /F (cmd.exe) >> endobj\n`, 'latin1')));
    // An object after the broken ones is still read.
    expect(analysis.findings.map((f) => f.rule)).toContain('pdf.launch.program');
  }, 10_000);
});
