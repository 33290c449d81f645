import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zipOf } from '../../source/demo/samples.ts';
import { macroDoc, macroDocm, ovbaLiterals, vbaProject } from './fixture.ts';
import { officeFacts, officeFindings } from './office.ts';
import { readOle } from './ole.ts';
import { decompressVba } from './ovba.ts';

const rules = (bytes: Buffer) => officeFindings(officeFacts(bytes)).map((f) => f.rule);

describe('Office app', () => {
  it('decompresses MS-OVBA as the specification example does', () => {
    const compressed = Buffer.from('012fb000236161616263646582660070616768696a013808616b6c00306d6e6f7006710270041072737475761077787 97a003c'.replace(/ /g, ''), 'hex');
    expect(decompressVba(compressed, 0)?.toString()).toBe('#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa');
    expect(decompressVba(ovbaLiterals('Attribute VB_Name = "x"'), 0)?.toString()).toBe('Attribute VB_Name = "x"');
  });

  it('reads the streams of a compound file, small ones from the mini stream', () => {
    const streams = readOle(fs.readFileSync('/usr/share/clamav-testfiles/clam.ole.doc'));
    expect(streams.map((s) => s.path)).toEqual(expect.arrayContaining(['WordDocument', '\u0001CompObj', '1Table']));
    expect(streams.find((s) => s.path === '\u0001CompObj')!.data.subarray(0, 4).toString('hex')).toBe('0100feff');
    expect(readOle(vbaProject()).map((s) => s.path).sort()).toEqual(['PROJECT', 'VBA/ThisDocument', 'VBA/_VBA_PROJECT']);
  });

  it('finds auto-exec macros that start a shell in a .doc and a .docm', () => {
    expect(rules(macroDoc())).toEqual(expect.arrayContaining(['office.macros', 'office.macro.auto-exec', 'office.macro.execute', 'office.score.malicious']));
    expect(rules(macroDocm())).toEqual(expect.arrayContaining(['office.macros', 'office.macro.auto-exec', 'office.macro.execute', 'office.score.malicious']));
    const quiet = 'Attribute VB_Name = "Module1"\r\nSub Total()\r\n  Range("A1").Value = 1\r\nEnd Sub\r\n';
    expect(rules(macroDoc(quiet))).toEqual(['office.macros']);
  });

  it('flags a remote template and leaves a plain document clean', () => {
    const plain = zipOf([['word/document.xml', '<w:document/>']]);
    expect(rules(plain)).toEqual([]);
    const remote = zipOf([
      ['word/document.xml', '<w:document/>'],
      ['word/_rels/settings.xml.rels', '<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="http://198.51.100.7/t.dotm" TargetMode="External"/></Relationships>'],
    ]);
    expect(rules(remote)).toEqual(['office.remote-template', 'office.score.suspicious']);
  });

  it('flags a Package object carrying a Windows program (ClamAV test document)', () => {
    expect(rules(fs.readFileSync('/usr/share/clamav-testfiles/clam.ole.doc'))).toEqual(expect.arrayContaining(['office.object.package-pe', 'office.score.malicious']));
  });
});
