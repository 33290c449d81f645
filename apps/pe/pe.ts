/**
 * PE analysis (application/x-dosexec, vnd.microsoft.portable-executable):
 * capabilities from imports, strings and .NET metadata, structure and
 * packing anomalies, weighed into one score. Reads the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { capabilityIndicators } from './capabilities.ts';
import { readDotnet } from './dotnet.ts';
import type { Indicator } from './indicator.ts';
import { parsePe, type PeInfo } from './parse.ts';
import { scoreFindings } from './score.ts';
import { extractStrings } from './strings.ts';
import { packerNames, structureIndicators } from './structure.ts';

export { parsePe } from './parse.ts';

/** Libraries whose import by a packed file shows what the hidden code does. */
const NETWORK_LIBRARIES = /^(ws2_32|wsock32|wininet|winhttp|urlmon|netapi32|mpr|iphlpapi|dnsapi)\.dll$/;

function importIndicators(info: PeInfo, strings: Set<string>, now: number): Indicator[] {
  const found: Indicator[] = [];
  const functions = new Set(Object.values(info.imports).flat());
  if (!info.dotnet && functions.size > 0 && functions.size <= 8 && functions.has('GetProcAddress') && [...functions].some((f) => f.startsWith('LoadLibrary'))) {
    found.push({ rule: 'pe.imports.minimal', description: `only ${functions.size} imports, with LoadLibrary and GetProcAddress: imports resolved at run time, as packers do`, weight: 1 });
  }
  const hiddenLibraries = [...strings].filter((s) => NETWORK_LIBRARIES.test(s.toLowerCase()) && !(s.toLowerCase() in info.imports));
  const netImports = Object.keys(info.imports).filter((dll) => NETWORK_LIBRARIES.test(dll));
  if (netImports.length > 0 && (packerNames(info).length > 0 || functions.size <= 12)) found.push({ rule: 'pe.imports.packed-network', description: `a packed or nearly import-less program that still links network libraries: ${netImports.join(', ')}`, weight: 2 });
  if (hiddenLibraries.length >= 2) found.push({ rule: 'pe.imports.hidden-network', description: `network libraries named in strings but not imported (loaded at run time): ${[...new Set(hiddenLibraries)].join(', ')}`, weight: 1 });
  const imported = new Set(Object.values(info.imports).flat());
  const hiddenNative = [...strings].filter((s) => /^(Nt|Zw)[A-Z][A-Za-z]{3,40}$/.test(s) && !imported.has(s));
  if (hiddenNative.length >= 3) found.push({ rule: 'pe.imports.hidden-native', description: `native API names resolved at run time, for direct calls or hooks: ${hiddenNative.slice(0, 6).join(', ')}`, weight: 2 });
  // .NET's deterministic builds put a hash in the timestamp, so it says nothing there.
  if (!info.dotnet && info.timestamp > now + 86_400) found.push({ rule: 'pe.timestamp.future', description: `compile time ${new Date(info.timestamp * 1000).toISOString()} is in the future`, weight: 1 });
  // Malware is signed too (stolen certificates), so a signature only informs.
  if (info.security.size > 0) found.push({ rule: 'pe.signed', description: 'carries an Authenticode signature (not verified)', weight: 0 });
  return found;
}

/** The PE's indicators: what it can do, how it is built, how it imports. */
export function peIndicators(bytes: Buffer, info: PeInfo, now = Date.now() / 1000): Indicator[] {
  const dotnet = info.dotnet ? readDotnet(bytes, info) : undefined;
  const strings = extractStrings(bytes);
  if (dotnet) strings.push(...dotnet.userStrings);
  const names = new Set([...Object.values(info.imports).flat(), ...(dotnet?.identifiers ?? []), ...strings.map((s) => s.trim())]);
  const found = [...capabilityIndicators({ names, text: strings.join('\n'), dotnet: info.dotnet }), ...structureIndicators(info, bytes), ...importIndicators(info, names, now)];
  if (dotnet?.identifiers.length === 0) found.push({ rule: 'pe.dotnet.hidden-metadata', description: 'a .NET assembly whose metadata names cannot be read: an obfuscator hid them', weight: 2 });
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
    return { findings: peFindings(sample.bytes, info), details: { ...info, timestamp: new Date(info.timestamp * 1000).toISOString(), imports: Object.fromEntries(Object.entries(info.imports).map(([dll, names]) => [dll, names.length])) } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(peAnalyzer));
