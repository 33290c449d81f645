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
 *   SCAN_CLAMAV_MAX_SECONDS  ClamAV's MaxScanTime per file; its MaxFiles and MaxScanSize are
 *                       ARCHIVE_MAX_MEMBERS and ARCHIVE_MAX_TOTAL_MB: past one, a low clamav.limits-exceeded [60]
 *   SCAN_CLAMD          `auto`: clamd at clamd.conf's LocalSocket or /run/clamav/clamd.ctl when it answers,
 *                       `off`: clamscan only, a Unix socket path or tcp://HOST:PORT [auto]
 * YARA rules see the externals public rulesets use: filename, filepath,
 * extension (`.exe`), filetype (`EXE`, `ELF`, `PDF`, …) and owner (empty).
 *   YARA, YARAC, CLAMSCAN  the tools [yara, yarac, clamscan from PATH]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sameMime } from '../lib/mime-alias.ts';
import type { Analysis, Analyzer, Sample } from '../lib/analyzer.ts';
import { entropyOfBytes } from '../lib/bytes.ts';
import type { Finding } from '../lib/report.ts';
import { analyzerApp, runApp, type AppMain } from '../lib/run-app.ts';
import { pathList } from '../lib/tools.ts';
import { ClamScan } from './clamav-scan.ts';
import { clamLimitsFrom } from './clamav.ts';
import type { Externals } from './yara.ts';
import { engineChoice, YaraEngine } from './yara-engine.ts';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** Real types that are programs: delivered under any other type, they are hiding. */
const EXECUTABLE = new Set([
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
  if (claimed === '' || sameMime(claimed, real)) return [];
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

/** The databases the scan gives clamscan, and a private clamd (clamd-server.ts), by default. */
export const defaultClamDatabases = (): string[] => [here('clamav/broapt.hdb'), here('clamav/broapt.ndb'), ...systemClamDatabases()];

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

export interface ScanOptions {
  /** Why ClamAV is not run on this file (a zip of 100,000 members it would unpack one by one); it runs when undefined. */
  skipClamav?: string | undefined;
}

export interface GenericAnalyzer extends Analyzer {
  analyse(sample: Sample, options?: ScanOptions): Promise<Analysis>;
  /** Compiles the rules once, before the first file. */
  prepare(): Promise<void>;
  /** Problems that make the scan unusable (rules that do not compile, databases that do not load). */
  check(): Promise<string[]>;
  /** What the last check found in use (`yara: in-process …`, `clamav: clamd at …`), for `--check` to say. */
  notes(): string[];
}

/** The generic scan every file gets: MIME against content, YARA, ClamAV, entropy. */
export function createGenericAnalyzer(env: NodeJS.ProcessEnv = process.env): GenericAnalyzer {
  const rules = pathList(env.SCAN_YARA_RULES, [here('rules')]);
  const databases = pathList(env.SCAN_CLAMAV_DB, defaultClamDatabases());
  const yara = rules.length === 0 ? undefined : new YaraEngine({ engine: engineChoice(env.SCAN_YARA_ENGINE), rules, compiled: env.SCAN_YARA_COMPILED || undefined, cacheDir: env.XDG_CACHE_HOME, mode: env.SCAN_YARA_MODE === 'source' ? 'source' : 'compiled', yara: env.YARA || 'yara', yarac: env.YARAC || 'yarac', skipBroken: env.SCAN_YARA_SKIP_BROKEN === '1' });
  const clam = databases.length === 0 ? undefined : new ClamScan({ databases, clamscan: env.CLAMSCAN || 'clamscan', clamd: env.SCAN_CLAMD, limits: clamLimitsFrom(env) });
  let notes: string[] = [];

  return {
    name: 'scan',
    accepts: () => true,
    async prepare() {
      await yara?.compile();
    },
    async check(): Promise<string[]> {
      const problems: string[] = [];
      const yaraEngine = yara === undefined ? undefined : await yara.describe().catch((error: Error) => void problems.push(error.message));
      const clamCheck = await clam?.check();
      notes = [...(yaraEngine ? [`yara: ${yaraEngine}`] : []), ...(clamCheck ? [`clamav: ${clamCheck.engine}`] : [])];
      if (clamCheck?.problem) problems.push(clamCheck.problem);
      return problems;
    },
    notes: () => notes,
    async analyse(sample: Sample, options: ScanOptions = {}) {
      const clamav = options.skipClamav === undefined ? clam : undefined;
      const [yaraFindings, clamFindings] = await Promise.all([yara ? yara.scan(sample, yaraExternals(sample)) : [], clamav ? clamav.scan(sample) : []]);
      const findings = [...mimeFindings(sample.mime, sample.realMime), ...yaraFindings, ...clamFindings];
      const entropy = Number(entropyOfBytes(sample.bytes).toFixed(4));
      if (entropy > 7.2 && !DENSE.test(sample.realMime)) {
        findings.push({ rule: 'entropy.high', description: `entropy ${entropy} bits/byte in a ${sample.realMime} file: packed or encrypted content`, severity: 'low' });
      }
      return { findings, details: { size: sample.size, ...sample.hashes, entropy, realMime: sample.realMime, zeekMime: sample.mime, yara: yara !== undefined, clamav: options.skipClamav === undefined ? clam !== undefined : `skipped: ${options.skipClamav}` } };
    },
  };
}

/** The generic scan as an app of its own: `node scan.ts FILE`, warm or `--check`. */
export function createScanner(env: NodeJS.ProcessEnv = process.env): AppMain & Pick<GenericAnalyzer, 'prepare' | 'check' | 'notes'> {
  const generic = createGenericAnalyzer(env);
  return { ...analyzerApp(generic), prepare: () => generic.prepare(), check: () => generic.check(), notes: () => generic.notes() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(createScanner());
