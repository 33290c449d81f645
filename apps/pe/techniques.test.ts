import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { analyzerApp } from '../lib/run-app.ts';
import { capabilityIndicators } from './capabilities.ts';
import { exportIndicators } from './exports.ts';
import { buildPe, type PeSpec } from './fixture.ts';
import { parsePe, peAnalyzer, peFindings } from './pe.ts';

const rulesOf = (bytes: Buffer) => peFindings(bytes, parsePe(bytes)!, 1_700_000_000).map((f) => f.rule);
const rules = (spec: PeSpec) => rulesOf(buildPe(spec));
const text = (...lines: string[]) => Buffer.from(`\0${lines.join('\0')}\0`, 'latin1');
const capabilities = (names: string[], lines: string[], dotnet = false) => capabilityIndicators({ names: new Set([...names, ...lines]), text: lines.join('\n'), dotnet }).map((i) => i.rule);

describe('crypter stubs', () => {
  it('takes an import table padded with decoys for one: closers without openers, driver and IME internals', () => {
    expect(rules({ imports: { 'kernel32.dll': ['CreateFileA', 'ExitProcess'], 'gdi32.dll': ['AbortPath', 'EndPage', 'EngGradientFill'] } })).toEqual(['pe.imports.decoy']);
    const padded = { 'kernel32.dll': ['CreateFileA'], 'gdi32.dll': ['EngGradientFill', 'EngDeletePath', 'BRUSHOBJ_pvAllocRbrush', 'GdiSwapBuffers', 'GdiQueryTable', 'AbortDoc', 'EndPage', 'WidenPath'], 'user32.dll': ['IMPGetIMEW', 'SendIMEMessageExW'] };
    expect(rules({ imports: padded })).toEqual(['pe.imports.decoy', 'pe.score.suspicious']);
    // The opener makes the closer an ordinary call.
    expect(rules({ imports: { 'kernel32.dll': ['CreateFileA'], 'gdi32.dll': ['BeginPath', 'AbortPath', 'EndPath', 'StartDocA', 'EndPage'] } })).toEqual([]);
  });

  it('sees one function taken from each of many libraries, decoys among them', () => {
    const imports = { 'kernel32.dll': ['CreateFileA'], 'winspool.drv': ['ClosePrinter'], 'winmm.dll': ['PlaySoundA'], 'shell32.dll': ['CommandLineToArgvW'], 'advapi32.dll': ['RegOpenKeyW'], 'user32.dll': ['CharLowerA'] };
    expect(rules({ imports })).toEqual(['pe.imports.scattered']);
  });

  it('sees imports that cannot act, and imports that are only the C runtime with GetProcAddress', () => {
    expect(rules({ imports: { 'kernel32.dll': ['lstrlenA', 'GetLastError', 'LocalFree'], 'user32.dll': ['MessageBoxA'] } })).toEqual(['pe.imports.inert']);
    const crt = ['ExitProcess', 'GetProcAddress', 'GetModuleHandleA', 'HeapAlloc', 'HeapFree', 'GetStartupInfoA', 'GetCommandLineA', 'GetVersion', 'HeapCreate', 'VirtualAlloc', 'VirtualFree', 'GetACP', 'GetOEMCP', 'GetCPInfo', 'LCMapStringA', 'RtlUnwind', 'LoadLibraryA'];
    expect(rules({ imports: { 'kernel32.dll': crt } })).toEqual(['pe.imports.runtime-only']);
    expect(rules({ imports: { 'kernel32.dll': [...crt, 'CreateFileA', 'CreateProcessA'] } })).toEqual([]);
  });

  it('flags code sections left blank for code written at run time, and a wiped timestamp as packing', () => {
    const blank = buildPe();
    blank.fill(0, 0x400, 0x600);
    expect(rulesOf(blank)).toEqual(['pe.section.blank-code']);
    expect(rules({ timestamp: 0 })).toEqual(['pe.timestamp.zero']);
  });
});

describe('payloads carried in data', () => {
  const dropperImports = { 'kernel32.dll': ['GetModuleFileNameA', 'CreateFileA', 'ReadFile', 'CreateProcessA'] };

  it('takes an encrypted overlay that the program reads and runs for a dropper, unless an installer format claims it', () => {
    const program = buildPe({ imports: dropperImports });
    expect(rulesOf(Buffer.concat([program, randomBytes(0x8000)]))).toEqual(['pe.overlay.encrypted', 'pe.overlay.dropper']);
    expect(rulesOf(Buffer.concat([program, Buffer.from('\xef\xbe\xad\xdeNullsoftInst', 'latin1'), randomBytes(0x8000)]))).toEqual(['pe.overlay.encrypted']);
  });

  it('finds Base64-encoded payloads among the strings, and weighs a file made mostly of encrypted data more', () => {
    const blobs = Array.from({ length: 12 }, () => randomBytes(400).toString('base64').replace(/=+$/, ''));
    expect(rules({ code: text(...blobs) })).toContain('pe.data.encoded-blob');
    const findings = peFindings(buildPe({ sections: ['.text', '.data', '.idata'], code: randomBytes(0x8000) }), parsePe(buildPe({ sections: ['.text', '.data', '.idata'], code: randomBytes(0x8000) }))!);
    expect(findings.find((f) => f.rule === 'pe.section.encrypted-data')?.description).toMatch(/makes \d+% of the file/);
  });
});

describe('techniques told by strings and exports', () => {
  it('recognises host survey, form uploads, proxy execution, self-debugging, hidden desktops and miner command lines', () => {
    expect(capabilities(['CreateToolhelp32Snapshot', 'GetComputerNameA', 'GetUserNameA', 'GetLogicalDrives'], ['SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall'])).toEqual(['pe.capability.recon']);
    expect(capabilities([], ['Content-Type: multipart/form-data; boundary=', 'Content-Disposition: form-data; name="f"; filename="'])).toEqual(['pe.capability.exfiltration']);
    expect(capabilities([], ['\\rundll32.exe', '%ws C:\\Windows\\%ws,#1 %ws'])).toEqual(['pe.capability.proxy-execution']);
    expect(capabilities(['DebugActiveProcess', 'WaitForDebugEvent', 'ContinueDebugEvent', 'GetThreadContext'], [])).toEqual(['pe.capability.self-debugging']);
    expect(capabilities(['CreateDesktopW', 'SetThreadDesktop'], [])).toEqual(['pe.capability.hidden-desktop']);
    expect(capabilities([], ['-o pool.example.org:3333 -u 4AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'])).toEqual(['pe.capability.miner']);
  });

  it('recognises .NET droppers, Shell unzipping and RAT builder settings only in .NET code', () => {
    const dropper = ['WriteAllBytes', 'GetFolderPath', 'Process', 'Start'];
    expect(capabilities(dropper, ['\\svchost.exe'], true)).toEqual(['pe.capability.drop-and-run']);
    expect(capabilities(dropper, [], true)).toEqual([]);
    expect(capabilities([], ['Shell.Application', 'CopyHere'], true)).toEqual(['pe.capability.shell-unzip']);
    expect(capabilities(['Hosts', 'Ports', 'MUTEX'], [], true)).toEqual(['pe.capability.rat-config']);
    expect(capabilities(['Hosts', 'Ports', 'MUTEX'], [], false)).toEqual([]);
  });

  it('recognises rotating user agents and HTTP written over sockets', () => {
    const agents = ['User-Agent: Mozilla/5.0 (Windows NT 6.1; Trident/6.0)', 'User-Agent: Mozilla/5.0 (Windows NT 5.1; Trident/5.0)', 'User-Agent: Mozilla/4.0 (compatible; MSIE 8.0)'];
    expect(rules({ code: text(...agents) })).toEqual(['pe.http.user-agents']);
    expect(rules({ code: text('Host: %s', 'Accept: */*', 'Connection: Keep-Alive'), imports: { 'kernel32.dll': ['CreateFileA'], 'ws2_32.dll': ['connect', 'send', 'recv'] } })).toContain('pe.http.raw-sockets');
    expect(rules({ code: text('Host: %s', 'Accept: */*', 'Connection: Keep-Alive'), imports: { 'kernel32.dll': ['CreateFileA'], 'ws2_32.dll': ['connect'], 'wininet.dll': ['InternetOpenA'] } })).not.toContain('pe.http.raw-sockets');
  });

  it('reads what a DLL exports: side-loading stubs, a hook procedure, a service entry point', () => {
    const info = { ...parsePe(buildPe({ imports: { 'kernel32.dll': ['LoadLibraryA'], 'user32.dll': ['CallNextHookEx'], 'advapi32.dll': ['RegisterServiceCtrlHandlerW'] } }))!, dll: true };
    const exports = { count: 120, names: ['DrawThemeBackground', 'OpenThemeData', 'CloseThemeData', 'ServiceMain'] };
    expect(exportIndicators({ ...info, exports }).map((i) => i.rule)).toEqual(['pe.exports.stubs', 'pe.exports.system-dll', 'pe.exports.hook-procedure', 'pe.exports.service-dll']);
    expect(exportIndicators({ ...info, dll: false, exports })).toEqual([]);
  });
});

describe('corpus samples of each technique', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pe-techniques-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string[]][] = [
    ['crimsonrat_dc31e710', ['pe.capability.shell-unzip', 'pe.capability.drop-and-run']],
    ['revengerat-nafox_242d341e', ['pe.capability.rat-config', 'pe.dotnet.unreadable-names']],
    ['cerber5_b3e1e9d9', ['pe.imports.decoy']],
    ['dridex-a-x64_e5df93c0', ['pe.exports.stubs', 'pe.exports.system-dll']],
    ['badrabbit_630325ca', ['pe.overlay.dropper', 'pe.capability.proxy-execution']],
    ['hiddencobra-volgmer_ff2eb800', ['pe.http.user-agents', 'pe.http.raw-sockets']],
    // Its capabilities are visible only in the UPX-unpacked bytes; its UPX headers were wiped after packing.
    ['nyxem-e_62f8364c', ['pe.capability.mass-mailer', 'pe.packer.upx-tampered']],
    ['blaster-a_258f8216', ['pe.capability.persistence']],
  ];
  it.for(cases)('flags %s by its technique', async ([sample, expected], context) => {
    const zip = path.join(requireCorpus(context), 'bad', 'pe', `${sample}.zip`);
    const out = path.join(dir, sample);
    execFileSync('7z', ['x', '-pinfected', '-bd', '-y', `-o${out}`, zip], { stdio: 'ignore' });
    const file = path.join(out, fs.readdirSync(out)[0]!);
    const report = await analyzerApp(peAnalyzer).analyse(file, '', path.join(dir, `${sample}.report.json`));
    expect(report.verdict).not.toBe('clean');
    expect(report.findings.map((f) => f.rule)).toEqual(expect.arrayContaining(expected));
  });
});
