/**
 * The generic scan, run for every file by the shipped api.yml: hashes,
 * entropy, real MIME against Zeek's, YARA and ClamAV. Paths are overridable:
 *   SCAN_YARA_RULES     rule files or folders, colon-separated (`off`: no YARA) [rules/]
 *   SCAN_YARA_COMPILED  compiled rules file [a cache file named by the rules' hash]
 *   SCAN_YARA_MODE      `source` recompiles per file (bench only) [compiled]
 *   SCAN_CLAMAV_DB      ClamAV databases, colon-separated (`off`: no ClamAV) [clamav/broapt.hdb:clamav/broapt.ndb]
 *   YARA, YARAC, CLAMSCAN  the tools [yara, yarac, clamscan from PATH]
 */
import { fileURLToPath } from 'node:url';
import { digestFile, readHead } from '../lib/bytes.ts';
import { makeReport, type Finding } from '../lib/report.ts';
import { runApp } from '../lib/run-app.ts';
import { pathList, tool } from '../lib/tools.ts';
import { ClamAv } from './clamav.ts';
import { Yara } from './yara.ts';

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

/**
 * The real MIME type by libmagic, as Zeek's own signatures name types (file-type
 * would take 0.2 s to load per file). `file` reads the head on stdin: it never
 * opens the path, which could be a planted link.
 */
export async function realMimeOf(file: string): Promise<string> {
  const result = await tool('file', ['--brief', '--mime-type', '-'], { input: readHead(file, 1 << 20), timeoutMs: 10_000 });
  const mime = result.stdout.trim().toLowerCase();
  return result.code === 0 && /^[a-z0-9][\w.+-]*\/[\w.+-]+$/.test(mime) ? mime : 'application/octet-stream';
}

export function mimeFindings(claimed: string, real: string): Finding[] {
  if (claimed === '' || claimed === real) return [];
  if (EXECUTABLE.has(real) && !EXECUTABLE.has(claimed)) {
    return [{ rule: 'mime.executable-disguised', description: `an executable (${real}) delivered as ${claimed}`, severity: 'medium' }];
  }
  return [{ rule: 'mime.mismatch', description: `content is ${real}, Zeek said ${claimed}`, severity: 'info' }];
}

export function createScanner(env: NodeJS.ProcessEnv = process.env) {
  const rules = pathList(env.SCAN_YARA_RULES, [here('rules')]);
  const databases = pathList(env.SCAN_CLAMAV_DB, [here('clamav/broapt.hdb'), here('clamav/broapt.ndb')]);
  const yara = rules.length === 0 ? undefined : new Yara({ rules, compiled: env.SCAN_YARA_COMPILED || undefined, cacheDir: env.XDG_CACHE_HOME, mode: env.SCAN_YARA_MODE === 'source' ? 'source' : 'compiled', yara: env.YARA || 'yara', yarac: env.YARAC || 'yarac' });
  const clam = databases.length === 0 ? undefined : new ClamAv({ databases, clamscan: env.CLAMSCAN || 'clamscan' });

  return {
    name: 'scan',
    async prepare() {
      if (yara && env.SCAN_YARA_MODE !== 'source') await yara.compile();
    },
    async check(): Promise<string[]> {
      const problems: string[] = [];
      if (yara) await yara.compile().catch((error: Error) => problems.push(error.message));
      const clamProblem = await clam?.check();
      if (clamProblem) problems.push(clamProblem);
      return problems;
    },
    async analyse(file: string, claimed: string) {
      const digest = digestFile(file);
      const realMime = await realMimeOf(file);
      const [yaraFindings, clamFindings] = await Promise.all([yara ? yara.scan(file) : [], clam ? clam.scan([file]).then((found) => found.get(file)!) : []]);
      const findings = [...mimeFindings(claimed.toLowerCase(), realMime), ...yaraFindings, ...clamFindings];
      if (digest.entropy > 7.2 && !DENSE.test(realMime)) {
        findings.push({ rule: 'entropy.high', description: `entropy ${digest.entropy} bits/byte in a ${realMime} file: packed or encrypted content`, severity: 'low' });
      }
      return makeReport('scan', findings, { ...digest, realMime, zeekMime: claimed, yara: yara !== undefined, clamav: clam !== undefined });
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runApp(createScanner());
