/**
 * The generic scan, run for every file by the shipped api.yml: hashes,
 * entropy, real MIME against Zeek's, YARA and ClamAV. Paths are overridable:
 *   SCAN_YARA_RULES     rule files or folders, colon-separated (`off`: no YARA) [rules/]
 *   SCAN_YARA_COMPILED  compiled rules file [a cache file named by the rules' hash]
 *   SCAN_YARA_MODE      `source` recompiles per file (bench only) [compiled]
 *   SCAN_YARA_SKIP_BROKEN  `1`: leave out rule files that do not compile alone, one stderr line each [off]
 *   SCAN_YARA_ENGINE    `inprocess` (YARA-X), `cli` (yara, yarac) or `auto`: in process when
 *                       the binding loads and takes the rules, else the CLI [auto]
 *   SCAN_CLAMAV_DB      ClamAV databases, colon-separated (`off`: no ClamAV)
 *                       [clamav/broapt.hdb:clamav/broapt.ndb, and /var/lib/clamav when freshclam filled it]
 * YARA rules see the externals public rulesets use: filename, filepath,
 * extension (`.exe`), filetype (`EXE`, `ELF`, `PDF`, …) and owner (empty).
 *   YARA, YARAC, CLAMSCAN  the tools [yara, yarac, clamscan from PATH]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Analyzer, Sample } from '../lib/analyzer.ts';
import { entropyOfBytes } from '../lib/bytes.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp, type AppMain } from '../lib/run-app.ts';
import { pathList } from '../lib/tools.ts';
import { ClamAv } from './clamav.ts';
import type { Externals } from './yara.ts';
import { engineChoice, YaraEngine } from './yara-engine.ts';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** Real types that are programs: delivered under any other type, they are hiding. */
export const EXECUTABLE = new Set([
  'application/x-dosexec',
  'application/vnd.microsoft.portable-executable',
  'application/x-msdownload',
  'application/x-executable',
  'application/x-sharedlib',
  'application/x-pie-executable',
  'application/x-elf',
  'application/x-mach-binary',
]);

/** Compressed or encrypted content is expected to look random. */
const DENSE = /zip|gzip|bzip|xz|7z|rar|compressed|jpeg|png|gif|webp|mp4|mpeg|ogg|pdf|font|woff|x-rpm|java-archive|octet-stream|openxmlformats|opendocument|vnd\.ms-cab/;

export function mimeFindings(claimed: string, real: string): Finding[] {
  if (claimed === '' || claimed === real) return [];
  if (EXECUTABLE.has(real) && !EXECUTABLE.has(claimed)) {
    return [{ rule: 'mime.executable-disguised', description: `an executable (${real}) delivered as ${claimed}`, severity: 'medium' }];
  }
  return [{ rule: 'mime.mismatch', description: `content is ${real}, Zeek said ${claimed}`, severity: 'info' }];
}

/** The system's ClamAV databases (freshclam's main, daily, bytecode), when it has any. */
export function systemClamDatabases(folder = '/var/lib/clamav'): string[] {
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).some((name) => /\.(?:cvd|cld)$/.test(name)) ? [folder] : [];
}

/** LOKI's and signature-base's `filetype` names, by the first bytes. */
const FILETYPES: Array<[string, string]> = [
  ['MZ', 'EXE'],
  ['\x7fELF', 'ELF'],
  ['%PDF', 'PDF'],
  ['PK\x03\x04', 'ZIP'],
  ['Rar!', 'RAR'],
  ['7z\xbc\xaf', '7Z'],
  ['MSCF', 'CAB'],
  ['\xd0\xcf\x11\xe0', 'OLE'],
  ['L\0\0\0\x01\x14\x02\0', 'LNK'],
  ['MDMP', 'MDMP'],
];

export function yaraExternals(sample: Sample): Externals {
  const head = sample.bytes.toString('latin1', 0, 8);
  return {
    filename: sample.name,
    filepath: sample.path,
    extension: path.extname(sample.name).toLowerCase(),
    filetype: FILETYPES.find(([magic]) => head.startsWith(magic))?.[1] ?? '',
    owner: '',
  };
}

export interface GenericAnalyzer extends Analyzer {
  /** Compiles the rules once, before the first file. */
  prepare(): Promise<void>;
  /** Problems that make the scan unusable (rules that do not compile, databases that do not load). */
  check(): Promise<string[]>;
  /** Which YARA engine scans, for --check. */
  about(): Promise<string>;
}

/** The generic scan every file gets: MIME against content, YARA, ClamAV, entropy. */
export function createGenericAnalyzer(env: NodeJS.ProcessEnv = process.env): GenericAnalyzer {
  const rules = pathList(env.SCAN_YARA_RULES, [here('rules')]);
  const databases = pathList(env.SCAN_CLAMAV_DB, [here('clamav/broapt.hdb'), here('clamav/broapt.ndb'), ...systemClamDatabases()]);
  const yara = rules.length === 0 ? undefined : new YaraEngine({ engine: engineChoice(env.SCAN_YARA_ENGINE), rules, compiled: env.SCAN_YARA_COMPILED || undefined, cacheDir: env.XDG_CACHE_HOME, mode: env.SCAN_YARA_MODE === 'source' ? 'source' : 'compiled', yara: env.YARA || 'yara', yarac: env.YARAC || 'yarac', skipBroken: env.SCAN_YARA_SKIP_BROKEN === '1' });
  const clam = databases.length === 0 ? undefined : new ClamAv({ databases, clamscan: env.CLAMSCAN || 'clamscan' });

  return {
    name: 'scan',
    accepts: () => true,
    async prepare() {
      await yara?.compile();
    },
    async about() {
      return yara ? yara.describe() : 'no yara';
    },
    async check(): Promise<string[]> {
      const problems: string[] = [];
      if (yara) await yara.compile().catch((error: Error) => problems.push(error.message));
      const clamProblem = await clam?.check();
      if (clamProblem) problems.push(clamProblem);
      return problems;
    },
    async analyse(sample: Sample) {
      const file = sample.path;
      const [yaraFindings, clamFindings] = await Promise.all([yara ? yara.scan(sample, yaraExternals(sample)) : [], clam ? clam.scan([file]).then((found) => found.get(file)!) : []]);
      const findings = [...mimeFindings(sample.mime, sample.realMime), ...yaraFindings, ...clamFindings];
      const entropy = Number(entropyOfBytes(sample.bytes).toFixed(4));
      if (entropy > 7.2 && !DENSE.test(sample.realMime)) {
        findings.push({ rule: 'entropy.high', description: `entropy ${entropy} bits/byte in a ${sample.realMime} file: packed or encrypted content`, severity: 'low' });
      }
      return { findings, details: { size: sample.size, ...sample.hashes, entropy, realMime: sample.realMime, zeekMime: sample.mime, yara: yara !== undefined, clamav: clam !== undefined } };
    },
  };
}

/** The generic scan as an app of its own: `node scan.ts FILE`, warm or `--check`. */
export function createScanner(env: NodeJS.ProcessEnv = process.env): AppMain & Pick<GenericAnalyzer, 'prepare' | 'check' | 'about'> {
  const generic = createGenericAnalyzer(env);
  return { ...analyzerApp(generic), prepare: () => generic.prepare(), check: () => generic.check(), about: () => generic.about() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(createScanner());
