/**
 * PE analysis (application/x-dosexec, vnd.microsoft.portable-executable):
 * capabilities from imports, strings and .NET metadata, structure and
 * packing anomalies, weighed into one score. Reads the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import { upxUnpack } from '../lib/upx.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { capabilityIndicators } from './capabilities.ts';
import { exportIndicators } from './exports.ts';
import { httpIndicators } from './http.ts';
import { importIndicators } from './imports.ts';
import { readDotnet } from './dotnet.ts';
import type { Indicator } from './indicator.ts';
import { parsePe, type PeInfo } from './parse.ts';
import { payloadIndicators } from './payloads.ts';
import { scoreFindings } from './score.ts';
import { extractStrings } from './strings.ts';
import { structureIndicators } from './structure.ts';

export { parsePe } from './parse.ts';

/** The PE's indicators: what it can do, how it is built, how it imports. */
export function peIndicators(bytes: Buffer, info: PeInfo, now = Date.now() / 1000): Indicator[] {
  const dotnet = info.dotnet ? readDotnet(bytes, info) : undefined;
  const strings = extractStrings(bytes);
  if (dotnet) strings.push(...dotnet.userStrings);
  // A UPX-packed program shows only the stub: its own strings and imported names are in the unpacked bytes.
  const upx = info.sections.some((s) => /^UPX\d$/.test(s.name)) || bytes.includes('UPX!') ? upxUnpack(bytes) : undefined;
  if (upx?.unpacked) strings.push(...extractStrings(upx.bytes));
  const names = new Set([...Object.values(info.imports).flat(), ...(dotnet?.identifiers ?? []), ...strings.map((s) => s.trim())]);
  const found = [...capabilityIndicators({ names, text: strings.join('\n'), dotnet: info.dotnet }), ...structureIndicators(info, bytes), ...payloadIndicators(info, bytes, strings), ...importIndicators(info, names, now), ...exportIndicators(info), ...httpIndicators(info, strings)];
  // UPX itself never alters its headers; malware does, so that `upx -d` refuses the file.
  if (upx !== undefined && upx.tampering.length > 0) found.push({ rule: 'pe.packer.upx-tampered', description: `UPX headers altered after packing: ${upx.tampering.join('; ')}`, weight: 5 });
  if (dotnet?.identifiers.length === 0) found.push({ rule: 'pe.dotnet.hidden-metadata', description: 'a .NET assembly whose metadata names cannot be read: an obfuscator hid them', weight: 2 });
  // Compilers name things in letters; names of blanks or invisible characters come from an obfuscator.
  const unreadable = dotnet?.identifiers.filter((id) => !/[\x21-\x7e]/.test(id)) ?? [];
  if (unreadable.length >= 10) found.push({ rule: 'pe.dotnet.unreadable-names', description: `${unreadable.length} metadata names made of blanks or invisible characters: an obfuscator renamed the code`, weight: 1 });
  return found;
}

export function peFindings(bytes: Buffer, info: PeInfo, now = Date.now() / 1000): Finding[] {
  return scoreFindings(peIndicators(bytes, info, now));
}

export const peAnalyzer: Analyzer = {
  name: 'pe',
  accepts: (sample) => sample.bytes.length >= 0x40 && sample.bytes.readUInt16LE(0) === 0x5a4d,
  analyse(sample) {
    const info = parsePe(sample.bytes);
    if (info === undefined) return { findings: [{ rule: 'pe.malformed', description: 'not a parseable PE file', severity: 'low' }] };
    return { findings: peFindings(sample.bytes, info), details: { ...info, timestamp: new Date(info.timestamp * 1000).toISOString(), imports: Object.fromEntries(Object.entries(info.imports).map(([dll, names]) => [dll, names.length])), exports: info.exports.count } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(peAnalyzer));
