import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPe, type PeSpec } from './fixture.ts';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { analyzerApp } from '../lib/run-app.ts';
import { parsePe, peAnalyzer, peFindings } from './pe.ts';
import { extractStrings } from './strings.ts';

const findings = (spec: PeSpec) => {
  const bytes = buildPe(spec);
  return peFindings(bytes, parsePe(bytes)!, 1_700_000_000);
};
const rules = (spec: PeSpec) => findings(spec).map((f) => f.rule);
const text = (...lines: string[]) => Buffer.from(`\0${lines.join('\0')}\0`, 'latin1');

describe('PE app', () => {
  it('reads headers, sections with entropy and imports of a generated PE', () => {
    const info = parsePe(buildPe({ imports: { 'KERNEL32.dll': ['ExitProcess', 'GetProcAddress'], 'user32.dll': ['MessageBoxA'] } }))!;
    expect(info).toMatchObject({ machine: 0x14c, pe32plus: false, timestamp: 1_600_000_000, entryPoint: 0x1000, dotnet: false });
    expect(info.sections.map((s) => [s.name, s.executable])).toEqual([['.text', true], ['.idata', false]]);
    expect(info.imports).toEqual({ 'kernel32.dll': ['ExitProcess', 'GetProcAddress'], 'user32.dll': ['MessageBoxA'] });
    expect(rules({})).toEqual([]);
  });

  it('packing alone stays below the verdict; packing with network libraries does not', () => {
    const packed = { sections: ['UPX0', 'UPX1', '.rsrc'], code: randomBytes(8192), imports: { 'kernel32.dll': ['LoadLibraryA', 'GetProcAddress', 'VirtualProtect'] } };
    expect(rules(packed)).toEqual(expect.arrayContaining(['pe.packer.upx', 'pe.section.high-entropy', 'pe.imports.minimal']));
    expect(rules(packed).filter((r) => r.startsWith('pe.score'))).toEqual([]);
    const withNetwork = { ...packed, imports: { ...packed.imports, 'ws2_32.dll': ['send'] }, timestamp: 1_900_000_000 };
    expect(rules(withNetwork)).toEqual(expect.arrayContaining(['pe.imports.packed-network', 'pe.timestamp.future', 'pe.score.suspicious']));
  });

  it('scores capabilities from imports and strings into one finding', () => {
    expect(rules({ imports: { 'kernel32.dll': ['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread'] } })).toEqual(['pe.capability.injection']);
    const ransom = rules({ code: text('Your important files have been encrypted!', 'Send 1 bitcoin to the address below', 'vssadmin.exe Delete Shadows /All /Quiet') });
    expect(ransom).toEqual(['pe.capability.ransom-note', 'pe.capability.backup-destruction', 'pe.score.suspicious']);
    const rat = findings({ code: text('Software\\Microsoft\\Windows\\CurrentVersion\\Run', 'capGetDriverDescriptionA', 'cmd.exe /c ping 0 -n 2 & del "', 'SbieDll.dll', 'VBoxService.exe', 'lsass.exe', '\\Google\\Chrome\\User Data\\Default\\Login Data'), imports: { 'user32.dll': ['SetWindowsHookExA', 'GetAsyncKeyState'] } });
    expect(rat.map((f) => f.rule)).toEqual(['pe.capability.keylogger', 'pe.capability.credentials', 'pe.capability.anti-analysis', 'pe.capability.persistence', 'pe.capability.webcam', 'pe.capability.shell-commands', 'pe.score.malicious']);
    expect(rat.at(-1)!.description).toMatch(/^score 16: capability.keylogger \(3\)/);
  });

  it('finds API names resolved at run time, IRC and SMTP bots, and an embedded program', () => {
    expect(rules({ code: text('NtCreateSection', 'ZwMapViewOfSection') })).toEqual(['pe.capability.injection']);
    expect(rules({ code: text('NtQueryDirectoryFile', 'ZwQuerySection', 'NtOpenFile') })).toEqual(['pe.imports.hidden-native']);
    expect(rules({ imports: { 'kernel32.dll': ['FindResourceA', 'LoadResource', 'SizeofResource'], 'advapi32.dll': ['CryptImportKey', 'CryptDecrypt'] } })).toEqual(['pe.capability.resource-payload']);
    expect(rules({ code: text('PRIVMSG %s :%s', 'JOIN %s %s', 'NICK %s') })).toEqual(['pe.capability.irc-bot']);
    expect(rules({ code: text('MAIL FROM: <%s>', 'RCPT TO: <%s>', 'HELO %s') })).toEqual(['pe.capability.mass-mailer']);
    const dropper = buildPe();
    const carrier = Buffer.concat([buildPe({ code: Buffer.concat([Buffer.alloc(0x100), dropper]) })]);
    expect(peFindings(carrier, parsePe(carrier)!).map((f) => f.rule)).toEqual(['pe.embedded-pe']);
  });

  it('flags hand-named executable sections and an entry point outside code', () => {
    expect(rules({ sections: ['.text', '.xyzzy', '.idata'] })).toEqual(['pe.section.odd-name']);
    const bytes = buildPe();
    bytes.writeUInt32LE(0x9000, 0x80 + 24 + 16);
    expect(peFindings(bytes, parsePe(bytes)!).map((f) => f.rule)).toEqual(['pe.entry.outside-sections']);
  });

  it('extracts ASCII and UTF-16LE strings', () => {
    const bytes = Buffer.concat([Buffer.from('\x01\x02hello world\x00\x01\x01', 'latin1'), Buffer.from('wide string', 'utf16le'), Buffer.from([0xff, 0xff])]);
    expect(extractStrings(bytes)).toEqual(['hello world', 'wide string']);
  });

  it('keeps benign tools of the corpus clean, UPX-packed ones included', async (context) => {
    const benignCorpus = path.join(requireCorpus(context), 'benign', 'pe');
    const files = fs.readdirSync(benignCorpus);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const report = await analyzerApp(peAnalyzer).analyse(path.join(benignCorpus, file), '');
      expect([file, report.verdict]).toEqual([file, 'clean']);
    }
  });

  it('reports a non-PE as malformed and survives truncation', async () => {
    expect(parsePe(fs.readFileSync('/usr/bin/true'))).toBeUndefined();
    expect(parsePe(Buffer.from('MZ'))).toBeUndefined();
    const truncated = buildPe().subarray(0, 0x150);
    expect(() => parsePe(truncated)).not.toThrow();
    const upx = await analyzerApp(peAnalyzer).analyse('/usr/share/clamav-testfiles/clam-upx.exe', '');
    expect(upx.findings.map((f) => f.rule)).toContain('pe.packer.upx');
  });
});
