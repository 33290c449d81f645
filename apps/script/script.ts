/**
 * Scripts whatever MIME Zeek gave them (mostly text/plain): PowerShell,
 * VBScript, JScript, batch, shell, Perl, Python, PHP/ASP/ASPX/JSP pages,
 * HTML and HTAs. Decodes the text (UTF-16 included), peels obfuscation, and
 * reports techniques (download and run, persistence, web shells, worms,
 * reverse shells, tampering) rather than single keywords. Reads the text
 * only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer, Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { deobfuscate } from './deobfuscate.ts';
import { htmlFindings } from './html.ts';
import { findIndicators } from './indicators.ts';
import { detectLanguages, hasScriptExtension } from './language.ts';
import { obfuscationMeasures } from './obfuscation.ts';
import { scoreFindings, techniqueFindings } from './techniques.ts';
import { decodeText } from './text.ts';
import { webShellFindings } from './webshell.ts';

const SCRIPT_MIME = /javascript|ecmascript|html|x-sh\b|shellscript|x-perl|x-python|x-php|vbscript|powershell|x-msdos-batch|x-bat|hta\b/;

export function isScript(sample: Pick<Sample, 'bytes' | 'name' | 'mime' | 'realMime'>): boolean {
  const decoded = decodeText(sample.bytes.subarray(0, 64 << 10));
  if (!decoded) return false;
  if (hasScriptExtension(sample.name) || SCRIPT_MIME.test(`${sample.mime} ${sample.realMime}`) || decoded.text.startsWith('#!')) return true;
  return detectLanguages(decoded.text, sample.name).length > 0;
}

export interface ScriptAnalysis {
  findings: Finding[];
  details: Record<string, unknown>;
}

export function analyseScript(bytes: Buffer, name: string): ScriptAnalysis {
  const decoded = decodeText(bytes);
  if (!decoded) return { findings: [], details: { binary: true } };
  const { text } = decoded;
  const languages = detectLanguages(text, name);
  const peeled = deobfuscate(text);
  const hits = findIndicators(text, peeled.text);
  const measures = obfuscationMeasures(text);
  const evidence = { hits, measures, embeddedPe: peeled.embeddedPe, all: peeled.text ? `${text}\n${peeled.text}` : text };
  const findings = [...webShellFindings(text, peeled.text), ...techniqueFindings(evidence), ...(languages.includes('html') ? htmlFindings(text) : [])];
  findings.push(...scoreFindings(evidence, findings));
  return {
    findings,
    details: {
      encoding: decoded.encoding,
      languages,
      deobfuscationLayers: peeled.layers,
      recoveredChars: peeled.text.length,
      indicators: hits.map((hit) => `${hit.indicator.id}${hit.decodedOnly ? ' (decoded)' : ''}`),
      obfuscation: measures.map((m) => m.id),
    },
  };
}

export const scriptAnalyzer: Analyzer = {
  name: 'script',
  accepts: isScript,
  analyse: (sample) => analyseScript(sample.bytes, sample.name),
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(scriptAnalyzer));
