/**
 * JavaScript and HTML heuristics (application/javascript, text/javascript,
 * text/html): density of eval/Function/unescape/fromCharCode/atob, long
 * encoded strings, entropy, and iframes made invisible. Reads the text only;
 * never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import { entropyOfBytes } from '../lib/bytes.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';

const CALLS: Record<string, RegExp> = {
  eval: /\beval\s*\(/g,
  Function: /\bnew\s+Function\s*\(|\bFunction\s*\(\s*['"`]/g,
  unescape: /\bunescape\s*\(/g,
  fromCharCode: /\bfromCharCode\s*\(/g,
  atob: /\batob\s*\(/g,
  documentWrite: /\bdocument\.write(ln)?\s*\(/g,
};
const DECODERS = ['unescape', 'fromCharCode', 'atob'];
/** Quoted runs of base64, hex, `%xx`/`\xNN`/`\uNNNN` escapes or digits-and-commas: encoded payloads. */
const ENCODED = /["'`]((?:[A-Za-z0-9+/=]|\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|%[0-9a-fA-F]{2}|%u[0-9a-fA-F]{4}){400,}|(?:\d{2,3}\s*,\s*){200,}\d{2,3})["'`]/g;
const IFRAME = /<iframe\b[^>]*>/gi;

export interface WebFacts {
  bytes: number;
  calls: Record<string, number>;
  /** Calls per KiB of text. */
  density: number;
  longestEncoded: number;
  entropy: number;
  hiddenIframes: string[];
  packer: boolean;
}

function hidden(tag: string): boolean {
  const size = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']?\\s*([0-9]+)(px)?\\s*["'\\s>/]`, 'i').exec(tag)?.[1];
  const [w, h] = [size('width'), size('height')];
  const tiny = (v: string | undefined) => v !== undefined && Number(v) <= 1;
  return tiny(w) || tiny(h) || /display\s*:\s*none|visibility\s*:\s*hidden|\bhidden\b(?!\s*=\s*["']?false)/i.test(tag) || /(width|height)\s*:\s*[01](px)?\s*[;"']/i.test(tag);
}

export function webFacts(bytes: Buffer): WebFacts {
  const text = bytes.toString('latin1');
  const calls = Object.fromEntries(Object.entries(CALLS).map(([name, pattern]) => [name, text.match(pattern)?.length ?? 0]));
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  let longestEncoded = 0;
  for (const match of text.matchAll(ENCODED)) longestEncoded = Math.max(longestEncoded, match[1]!.length);
  return {
    bytes: bytes.length,
    calls,
    density: Number(((total * 1024) / Math.max(bytes.length, 1)).toFixed(2)),
    longestEncoded,
    entropy: Number(entropyOfBytes(bytes).toFixed(3)),
    hiddenIframes: (text.match(IFRAME) ?? []).filter(hidden).slice(0, 20),
    packer: /eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)/.test(text),
  };
}

export function webFindings(facts: WebFacts): Finding[] {
  const findings: Finding[] = [];
  const { calls } = facts;
  const runs = calls.eval! + calls.Function! + calls.documentWrite!;
  const decodes = DECODERS.reduce((n, name) => n + calls[name]!, 0);
  if (facts.packer) findings.push({ rule: 'js.packer', description: "packed with Dean Edwards' packer (eval(function(p,a,c,k,e,…)))", severity: 'medium' });
  if (runs > 0 && decodes >= 3 && facts.density >= 1) {
    findings.push({ rule: 'js.obfuscation', description: `decodes text and runs it: ${Object.entries(calls).filter(([, n]) => n > 0).map(([k, n]) => `${k} ×${n}`).join(', ')} (${facts.density} per KiB)`, severity: 'medium' });
  }
  if (facts.longestEncoded > 0) findings.push({ rule: 'js.encoded-string', description: `an encoded string of ${facts.longestEncoded} characters`, severity: runs > 0 ? 'medium' : 'low' });
  if (facts.entropy > 5.8 && facts.bytes > 2048) findings.push({ rule: 'js.high-entropy', description: `entropy ${facts.entropy} bits/byte, high for text`, severity: 'low' });
  if (facts.hiddenIframes.length > 0) findings.push({ rule: 'html.hidden-iframe', description: `${facts.hiddenIframes.length} invisible iframe(s): ${facts.hiddenIframes[0]!.slice(0, 200)}`, severity: 'medium' });
  return findings;
}

export const webAnalyzer: Analyzer = {
  name: 'web',
  accepts: (sample) => /javascript|ecmascript|html/.test(`${sample.mime} ${sample.realMime}`),
  analyse(sample) {
    const facts = webFacts(sample.bytes);
    return { findings: webFindings(facts), details: { ...facts } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(webAnalyzer));
