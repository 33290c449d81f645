/**
 * Android apps (APK: a zip holding AndroidManifest.xml and classes.dex):
 * the permissions the manifest asks for and the APIs the code names, summed
 * into one `apk.score`. Reads the file only; never runs it.
 */
import { fileURLToPath } from 'node:url';
import type { Analyzer } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp } from '../lib/run-app.ts';
import { scoreFinding } from '../lib/score.ts';
import { zipMembers, zipRead } from '../lib/zip.ts';
import { APK_INDICATORS, type ApkEvidence } from './indicators.ts';
import { axmlStrings, dexStrings } from './strings.ts';

/** Enough for any real classes.dex; a bigger one is read no further. */
const MAX_MEMBER_BYTES = 32 << 20;

const isApk = (b: Buffer) => {
  if (b.length < 30 || b.readUInt32LE(0) !== 0x04034b50) return false;
  const names = new Set(zipMembers(b).map((m) => m.name));
  return names.has('AndroidManifest.xml') && names.has('classes.dex');
};

/** The findings for an APK's manifest and dex strings. */
export function analyseApk(evidence: ApkEvidence): { findings: Finding[]; score: number; indicators: string[] } {
  const matched = APK_INDICATORS.filter((i) => i.test(evidence));
  const { score, finding } = scoreFinding('apk.score', matched);
  return { findings: finding ? [finding] : [], score, indicators: matched.map((i) => i.id) };
}

export const apkAnalyzer: Analyzer = {
  name: 'apk',
  accepts: (sample) => isApk(sample.bytes),
  analyse(sample) {
    const members = zipMembers(sample.bytes);
    const read = (name: string) => {
      const member = members.find((m) => m.name === name);
      return member === undefined ? undefined : zipRead(sample.bytes, member, MAX_MEMBER_BYTES);
    };
    const manifest = axmlStrings(read('AndroidManifest.xml') ?? Buffer.alloc(0));
    // Multidex apps split their code over classes2.dex, classes3.dex, ….
    const code = members.filter((m) => /^classes\d*\.dex$/.test(m.name)).slice(0, 16).flatMap((m) => dexStrings(zipRead(sample.bytes, m, MAX_MEMBER_BYTES) ?? Buffer.alloc(0)));
    const permissions = new Set(manifest.filter((s) => /^android\.permission\.\w+$/.test(s)));
    const { findings, score, indicators } = analyseApk({ permissions, code: new Set(code) });
    if (manifest.length === 0) findings.push({ rule: 'apk.malformed', description: 'AndroidManifest.xml is not readable binary XML', severity: 'low' });
    return { findings, details: { package: manifest.find((s) => /^[a-z]\w*(\.\w+){1,}$/.test(s) && !s.startsWith('android.')), permissions: [...permissions], dexStrings: code.length, score, indicators } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(analyzerApp(apkAnalyzer));
