/**
 * How hard a script works to hide what it says: split strings, char-code
 * chains, escapes, random case, tick/caret noise, encoded blobs, string
 * reversal and custom base64 alphabets. Minified libraries are long-lined
 * and terse but none of these, so line length alone never counts.
 */
import { entropyOfBytes } from '../lib/bytes.ts';

export interface Measure {
  id: string;
  weight: number;
  detail: string;
}

const count = (text: string, pattern: RegExp, cap = 100_000) => {
  let n = 0;
  for (const _ of text.matchAll(pattern)) if (++n >= cap) break;
  return n;
};

/** PowerShell words that Invoke-Obfuscation re-cases at random; real scripts write them one of a few ways. */
const CASED_WORDS = /\b(?:set-variable|get-variable|invoke-expression|new-object|tostring|value|char|string|convert|split|join|replace|foreach-object|variable|invoke|iex|bxor)\b/gi;
function randomCase(text: string): number {
  let odd = 0;
  for (const m of text.matchAll(CASED_WORDS)) {
    const word = m[0];
    const canonical = [word.toLowerCase(), word.toUpperCase()].includes(word) || /^(?:[A-Z][a-z]*-?)+$/.test(word) || /^[a-z]+[A-Z][a-z]+$/.test(word);
    if (!canonical && ++odd >= 1000) break;
  }
  return odd;
}

function longestRun(text: string, pattern: RegExp): number {
  let longest = 0;
  for (const m of text.matchAll(pattern)) longest = Math.max(longest, m[0].length);
  return longest;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** A 64-character literal holding every base64 symbol once, out of order: a private alphabet to hide payloads from base64 decoders. */
function customAlphabet(text: string): boolean {
  for (const m of text.matchAll(/["']([A-Za-z0-9+/=]{64,65})["']/g)) {
    const symbols = m[1]!.replace('=', '');
    if (symbols.length === 64 && new Set(symbols).size === 64 && symbols !== B64) return true;
  }
  return false;
}

export function obfuscationMeasures(text: string): Measure[] {
  const measures: Measure[] = [];
  const add = (id: string, weight: number, detail: string) => measures.push({ id, weight, detail });
  const chr = count(text, /\bChrW?\s*\(/gi);
  if (chr >= 20) add('chr-chain', chr >= 100 ? 3 : 2, `${chr} Chr() calls`);
  const charCasts = count(text, /\[char\]\s*\(?\s*(?:0x)?[0-9a-f]+|-as\s*\[char\]|fromCharCode\s*\(/gi);
  if (charCasts >= 10) add('char-codes', 2, `${charCasts} char-code conversions`);
  const escapes = count(text, /\\x[0-9a-f]{2}|%u[0-9a-f]{4}|\\u00[0-9a-f]{2}/gi);
  if (escapes >= 40) add('escapes', 2, `${escapes} \\x/%u escapes`);
  const splits = count(text, /["'][^"'\n]{1,3}["']\s*[+&]\s*["'][^"'\n]{1,3}["']/g);
  if (splits >= 10) add('split-strings', splits >= 40 ? 3 : 2, `${splits} strings split into short pieces`);
  const ticks = count(text, /[a-z]`[a-z]/gi);
  if (ticks >= 5) add('backticks', 2, `${ticks} PowerShell backtick escapes inside words`);
  const carets = count(text, /[a-z]\^[a-z]/gi);
  if (carets >= 10) add('carets', 2, `${carets} batch caret escapes inside words`);
  const cased = randomCase(text);
  if (cased >= 5) add('random-case', 3, `${cased} keywords in random case`);
  const blob = longestRun(text, /[A-Za-z0-9+/]{200,}={0,2}|(?:[0-9a-f]{2}){100,}|(?:(?:0x)?[0-9a-f]{1,3}\s*,\s*){100,}/gi);
  if (blob >= 1000) add('encoded-blob', 1, `an encoded blob of ${blob} characters`);
  const executeLiteral = longestRun(text, /\bExecute(?:Global)?\s*\(?\s*"(?:[^"\n]|""){1000,}/gi);
  if (executeLiteral > 0) add('execute-literal', 4, `Execute() of a ${executeLiteral}-character string`);
  const dynamicObjects = count(text, /\bCreateObject\s*\(\s*[A-Za-z_]\w*\s*\)|new\s+\w+\s*\(\s*\w+\s*\(\s*["']/gi);
  if (dynamicObjects >= 2) add('dynamic-objects', 2, `${dynamicObjects} objects created from computed names`);
  if (/StrReverse\s*\(|\.split\(["']{2}\)\.reverse\(\)\.join|for\s*\(\s*var\s+\w+\s*=\s*\w+\.Length\s*-\s*1\s*;\s*\w+\s*>=\s*0\s*;\s*\w+--\s*\)/i.test(text)) add('string-reversal', 2, 'reverses strings');
  if (customAlphabet(text)) add('custom-base64', 3, 'a private base64 alphabet');
  if (/charCodeAt\s*\([^)]*\)\s*\^|\bBxor\b|\bXor\s+(?:Asc|AscW)\s*\(/i.test(text)) add('xor', 2, 'XOR decoding');
  if (/eval\s*\(\s*function\s*\(\s*p\s*,\s*a\s*,\s*c\s*,\s*k\s*,\s*e\s*,\s*[dr]\s*\)/.test(text)) add('packer', 3, "Dean Edwards' packer");
  if (text.length > 2048) {
    const entropy = entropyOfBytes(Buffer.from(text.slice(0, 1 << 20), 'latin1'));
    if (entropy > 5.6) add('entropy', 1, `entropy ${entropy.toFixed(2)} bits/char`);
  }
  return measures;
}
