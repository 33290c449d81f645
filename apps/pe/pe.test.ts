import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildPe } from './fixture.ts';
import { analyzerApp } from '../lib/run-app.ts';
import { parsePe, peAnalyzer, peFindings } from './pe.ts';

const rules = (bytes: Buffer) => peFindings(parsePe(bytes)!, 1_700_000_000).map((f) => f.rule);

describe('PE app', () => {
  it('reads headers, sections with entropy and imports of a generated PE', () => {
    const info = parsePe(buildPe({ imports: { 'KERNEL32.dll': ['ExitProcess', 'GetProcAddress'], 'user32.dll': ['MessageBoxA'] } }))!;
    expect(info).toMatchObject({ machine: 0x14c, pe32plus: false, timestamp: 1_600_000_000, entryPoint: 0x1000, dotnet: false });
    expect(info.sections.map((s) => [s.name, s.executable])).toEqual([['.text', true], ['.idata', false]]);
    expect(info.imports).toEqual({ 'kernel32.dll': ['ExitProcess', 'GetProcAddress'], 'user32.dll': ['MessageBoxA'] });
    expect(rules(buildPe())).toEqual([]);
  });

  it('flags UPX section names, packed code, injection imports and a compile time in the future', () => {
    const packed = buildPe({ sections: ['UPX0', 'UPX1', '.rsrc'], code: randomBytes(8192), timestamp: 1_900_000_000, imports: { 'kernel32.dll': ['VirtualAllocEx', 'WriteProcessMemory', 'CreateRemoteThread'] } });
    expect(rules(packed)).toEqual(['pe.packer.upx', 'pe.section.high-entropy', 'pe.imports.injection', 'pe.timestamp.future']);
    const minimal = buildPe({ imports: { 'kernel32.dll': ['LoadLibraryA', 'GetProcAddress'] } });
    expect(rules(minimal)).toEqual(['pe.imports.minimal']);
  });

  it("finds UPX in Debian's clamav-testfiles and reports a non-PE as malformed", async () => {
    const upx = await analyzerApp(peAnalyzer).analyse('/usr/share/clamav-testfiles/clam-upx.exe', '');
    expect(upx).toMatchObject({ verdict: 'suspicious', findings: [{ rule: 'pe.packer.upx' }] });
    expect(parsePe(fs.readFileSync('/usr/bin/true'))).toBeUndefined();
    expect(parsePe(Buffer.from('MZ'))).toBeUndefined();
    // A truncated header must not throw.
    expect(() => parsePe(buildPe().subarray(0, 0x150))).not.toThrow();
  });
});
