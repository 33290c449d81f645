import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { encodedCommand, HIDDEN_IFRAME_HTML, obfuscatedJs, SCRIPTS, tinyPe } from './fixture.ts';
import { analyseScript, isScript } from './script.ts';

const findings = (text: string | Buffer, name = 'x.txt') => analyseScript(Buffer.isBuffer(text) ? text : Buffer.from(text), name).findings;
const flagged = (text: string | Buffer, name?: string) =>
  findings(text, name)
    .filter((f) => f.severity !== 'info' && f.severity !== 'low')
    .map((f) => `${f.rule}:${f.severity}`);

describe('script techniques', () => {
  it.each([
    ['psCradle', 'script.download-execute:high'],
    ['vbsDropper', 'script.download-execute:high'],
    ['phpShell', 'script.webshell:high'],
    ['aspxChopper', 'script.webshell:high'],
    ['aspxUpload', 'script.webshell:high'],
    ['bashReverse', 'script.reverse-shell:high'],
    ['pythonReverse', 'script.reverse-shell:high'],
    ['vbsMailer', 'script.worm:high'],
    ['vbsPersist', 'script.persistence:high'],
    ['batWiper', 'script.destructive:high'],
    ['batWiper', 'script.defense-evasion:high'],
    ['lolbin', 'script.lolbin:high'],
    ['hiddenLaunch', 'script.hidden-launch:medium'],
    ['beacon', 'script.recon-beacon:medium'],
    ['shellDropper', 'script.download-execute:high'],
    ['shellDropper', 'script.persistence:high'],
    ['amsi', 'script.defense-evasion:high'],
    ['gatedLaunch', 'script.gated-launch:medium'],
    ['lsassDump', 'script.credential-theft:high'],
    ['miner', 'script.miner:high'],
    ['ipPipe', 'script.download-execute:high'],
    ['phpCallable', 'script.webshell:high'],
    ['pythonExec', 'script.obfuscated-exec:medium'],
  ] as const)('%s → %s', (name, expected) => {
    expect(flagged(SCRIPTS[name])).toContain(expected);
  });

  it('reads UTF-16LE scripts, with or without a BOM', () => {
    const utf16 = Buffer.from(SCRIPTS.psCradle, 'utf16le');
    expect(flagged(Buffer.concat([Buffer.from([0xff, 0xfe]), utf16]), 'a.ps1')).toContain('script.download-execute:high');
    expect(flagged(utf16, 'a.txt')).toContain('script.download-execute:high');
  });

  it('finds an embedded executable as base64 and as a byte array', () => {
    const b64 = `var s=new ActiveXObject("ADODB.Stream");var d="${tinyPe().toString('base64')}";s.Write(d);s.SaveToFile("a.exe");`;
    expect(flagged(b64, 'a.js')).toContain('script.embedded-pe:high');
    const array = `[Byte[]]$b = @(${[...tinyPe()].map((b) => `0x${b.toString(16)}`).join(',')})\n[System.Reflection.Assembly]::Load($b)\n`;
    expect(flagged(array, 'a.ps1')).toContain('script.embedded-pe:high');
  });
});

describe('deobfuscation', () => {
  it('decodes a PowerShell -EncodedCommand and scans what it hides', () => {
    const rules = flagged(encodedCommand(SCRIPTS.psCradle), 'a.bat');
    expect(rules).toContain('script.download-execute:high');
    expect(rules).toContain('script.encoded-powershell:medium');
    expect(findings(encodedCommand(SCRIPTS.psCradle)).find((f) => f.rule === 'script.download-execute')?.description).toContain('after deobfuscation');
  });

  it('folds Chr() chains and concatenation', () => {
    const chr = (s: string) => [...s].map((c) => `Chr(${c.charCodeAt(0)})`).join(' & ');
    const vbs = `Set o = CreateObject(${chr('Outlook.Application')})\nSet n = o.GetNameSpace("MAPI")\nn.AddressLists(1).AddressEntries(1)\nSet m = o.CreateItem(0)\nm.Attachments.Add WScript.ScriptFullName\n`;
    expect(flagged(vbs, 'a.vbs')).toContain('script.worm:high');
  });

  it('reverses strings and strips junk tokens', () => {
    const reversed = '<%@ Page Language="Jscript"%><% var a = R("]"+"\\"x\\"[m/*/etI/*/.tseu/*/qeR".Replace("/*/","")); eval(a, R("efasnu")); %>';
    expect(flagged(reversed, 'a.aspx')).toContain('script.webshell:high');
  });

  it('flags code that runs what it decodes', () => {
    expect(flagged(obfuscatedJs(), 'a.js')).toContain('script.download-execute:medium');
    expect(flagged("eval(atob('YWxlcnQoMSk='));", 'a.js')).toContain('script.obfuscated-exec:medium');
  });
});

describe('routing and benign scripts', () => {
  it('accepts scripts by content whatever the MIME, and refuses binaries', () => {
    const sample = (text: string | Buffer, name: string) => ({ bytes: Buffer.isBuffer(text) ? text : Buffer.from(text), name, mime: 'text/plain', realMime: 'text/plain' });
    expect(isScript(sample(SCRIPTS.vbsPersist, 'noname'))).toBe(true);
    expect(isScript(sample(SCRIPTS.bashReverse, 'noname'))).toBe(true);
    expect(isScript(sample(tinyPe(), 'a.js'))).toBe(false);
    expect(isScript(sample('Dear team,\nthe meeting moves to Tuesday.\n', 'notes'))).toBe(false);
  });

  it('flags invisible iframes in pages only, not markup inside JavaScript strings', () => {
    expect(flagged(HIDDEN_IFRAME_HTML, 'a.html')).toEqual(['script.html.hidden-iframe:medium']);
    expect(flagged("var f=\"<iframe frameborder='0' width='0' height='0'/>\";", 'lib.js')).toEqual([]);
  });

  it.each([
    ['admin download', "$r = Invoke-WebRequest -Uri 'https://download.microsoft.com/ranges.json' -UseBasicParsing\n$j = $r.Content | ConvertFrom-Json\n$j.values | ForEach-Object { Write-Output $_.name }\n"],
    ['installer', '#!/bin/sh\nset -e\ncurl -sL https://example.com/install.sh | sh\n'],
    ['WMI inventory', 'Set w = GetObject("winmgmts:\\\\.\\root\\cimv2")\nFor Each p In w.ExecQuery("Select * from Win32_Product")\nWScript.Echo p.Name\nNext\n'],
    ['ASP database page', '<%\nid = Clng(Request.QueryString("id"))\nConn.Execute("update t set hits=hits+1 where id=" & id)\n%>\n'],
    ['data binding', '<asp:Label runat="server" Text=\'<%# Eval("Name") %>\' />\n<% Response.Write(Request.Form("q")) %>\n'],
  ])('leaves a benign %s clean', (_label, text) => {
    expect(flagged(text)).toEqual([]);
  });

  it('leaves the benign corpus scripts clean', (context) => {
    const dir = path.join(requireCorpus(context), 'benign', 'script');
    expect(fs.readdirSync(dir).length).toBeGreaterThan(20);
    for (const name of fs.readdirSync(dir)) expect({ name, rules: flagged(fs.readFileSync(path.join(dir, name)), name) }).toEqual({ name, rules: [] });
  });

  // The test's own time limit is the bound: an unbounded fold of 200,000 concatenations would not end in it.
  it('stays bounded on a large hostile file', () => {
    const big = `eval("${'"+"a'.repeat(200_000)}");\n${'A'.repeat(3 << 20)}`;
    expect(Array.isArray(findings(big, 'a.js'))).toBe(true);
  }, 20_000);
});
