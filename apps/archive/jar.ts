/**
 * Java archives: Java RATs (Adwind/jRAT, STRRAT and their loaders) are a
 * runnable jar (Main-Class) whose classes carry confusable names
 * (`IiIiIIiiIi`, Allatori's and Stringer's style), decrypt an opaque
 * resource with javax.crypto, and load the result as classes or run it.
 * Class files' constant pools name every API a class calls, so they are read
 * here, bounded, instead of guessing from file names.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Finding } from '../lib/report.ts';

const MAX_CLASSES = 500;
const MAX_CLASS_BYTES = 2 << 20;
const MAX_CONSTANTS = 65_535;

/** The UTF-8 constants of a class file's constant pool; empty when it is no class file. */
export function classStrings(bytes: Buffer): string[] {
  if (bytes.length < 10 || bytes.readUInt32BE(0) !== 0xcafebabe) return [];
  const count = Math.min(bytes.readUInt16BE(8), MAX_CONSTANTS);
  const strings: string[] = [];
  let at = 10;
  for (let index = 1; index < count && at < bytes.length; index++) {
    const tag = bytes[at]!;
    if (tag === 1) {
      if (at + 3 > bytes.length) break;
      const length = bytes.readUInt16BE(at + 1);
      strings.push(bytes.toString('utf8', at + 3, Math.min(at + 3 + length, bytes.length)));
      at += 3 + length;
      continue;
    }
    const size = CONSTANT_SIZE[tag];
    if (size === undefined) break;
    at += 1 + size;
    // Longs and doubles take two pool slots.
    if (tag === 5 || tag === 6) index++;
  }
  return strings;
}

/** Bytes after the tag, by constant tag (JVMS §4.4). */
const CONSTANT_SIZE: Record<number, number> = { 3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2, 17: 4, 18: 4, 19: 2, 20: 2 };

/** A name written only in look-alike letters (I, l, i, j, 1), the obfuscators' trick against reading. */
const confusable = (name: string) => /^[Iil1jJL]+$/.test(name) && (name.length >= 2 || /^[IL]$/.test(name));

interface Trait {
  weight: number;
  label: string;
  test: (api: Set<string>, text: string) => boolean;
}

const TRAITS: Trait[] = [
  { weight: 1, label: 'javax.crypto decryption', test: (api) => api.has('javax/crypto/Cipher') },
  { weight: 2, label: 'defines classes from bytes', test: (api, text) => api.has('java/lang/ClassLoader') || /defineClass|\[BIILjava\/security\/ProtectionDomain;\)Ljava\/lang\/Class;/.test(text) },
  { weight: 2, label: 'evaluates script text', test: (api) => api.has('javax/script/ScriptEngine') || api.has('javax/script/ScriptEngineManager') },
  { weight: 2, label: 'runs programs (Runtime.exec, ProcessBuilder)', test: (api, text) => api.has('java/lang/ProcessBuilder') || (api.has('java/lang/Runtime') && text.includes('\0exec\0')) },
  { weight: 1, label: 'reflection (Class.forName, Method.invoke)', test: (api, text) => api.has('java/lang/reflect/Method') || text.includes('\0forName\0') },
  { weight: 1, label: 'deserialises objects', test: (api) => api.has('java/io/ObjectInputStream') },
];

export interface JarFacts {
  mainClass: string | undefined;
  classes: string[];
}

export function jarFacts(folder: string, names: string[]): JarFacts | undefined {
  const manifest = names.find((name) => name.toUpperCase() === path.join('META-INF', 'MANIFEST.MF'));
  const classes = names.filter((name) => name.endsWith('.class'));
  if (manifest === undefined && classes.length === 0) return undefined;
  const text = manifest === undefined ? '' : fs.readFileSync(path.join(folder, manifest), 'latin1').slice(0, 65_536);
  return { mainClass: /^Main-Class:\s*(\S+)/im.exec(text)?.[1], classes };
}

/** One finding for a jar: its traits weighed together, since each alone is common in honest code. */
export function jarFindings(folder: string, names: string[]): Finding[] {
  const facts = jarFacts(folder, names);
  if (facts === undefined || facts.classes.length === 0) return [];
  const api = new Set<string>();
  let text = '';
  for (const name of facts.classes.slice(0, MAX_CLASSES)) {
    const file = path.join(folder, name);
    if (fs.statSync(file).size > MAX_CLASS_BYTES) continue;
    const strings = classStrings(fs.readFileSync(file));
    for (const s of strings) api.add(s);
    text += `\0${strings.join('\0')}\0`;
  }
  const simple = facts.classes.map((name) => path.basename(name, '.class').replace(/\$.*/, ''));
  const mainSimple = facts.mainClass?.split('.').at(-1);
  const traits: string[] = [];
  let score = 0;
  const obfuscated = simple.filter(confusable).length;
  if ((simple.length >= 3 && obfuscated * 2 >= simple.length) || (mainSimple !== undefined && confusable(mainSimple))) {
    score += 2;
    traits.push(`look-alike class names (${obfuscated} of ${simple.length})`);
  }
  for (const trait of TRAITS) {
    if (!trait.test(api, text)) continue;
    score += trait.weight;
    traits.push(trait.label);
  }
  if (facts.mainClass === undefined) score -= 1;
  // Loaders, frameworks and obfuscated honest apps each show some of this; an encrypted payload loaded under look-alike names shows it all.
  const hidden = obfuscated > 0 || api.has('javax/crypto/Cipher');
  if (score < 4 || !hidden) return traits.length === 0 ? [] : [{ rule: 'archive.jar.traits', description: `jar scoring ${score}: ${traits.join(', ')}`, severity: 'info' }];
  const severity = score >= 6 && obfuscated > 0 ? 'high' : 'medium';
  return [{ rule: 'archive.jar.score', description: `${facts.mainClass ? `runnable jar (Main-Class ${facts.mainClass})` : 'jar'} scoring ${score}: ${traits.join(', ')}`, severity }];
}
