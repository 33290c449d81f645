import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../lib/report.ts';
import { tool } from '../lib/tools.ts';
import { limitsFrom, MB } from '../archive/listing.ts';

export interface ClamOptions {
  /** Signature databases (.hdb, .ndb, .ldb, …, or folders of them, or a .cvd). */
  databases: string[];
  clamscan?: string;
  limits?: ClamLimits;
}

/**
 * ClamAV's own bounds on what it unpacks of one file (MaxFiles, MaxScanSize,
 * MaxScanTime), past which it stops and says so: a tar of 100,000 members
 * otherwise holds a worker for minutes.
 */
export interface ClamLimits {
  files: number;
  scanMb: number;
  seconds: number;
}

/** The archive analyzer's limits (ARCHIVE_MAX_MEMBERS, ARCHIVE_MAX_TOTAL_MB) and SCAN_CLAMAV_MAX_SECONDS [60]. */
export function clamLimitsFrom(env: NodeJS.ProcessEnv): ClamLimits {
  const archive = limitsFrom(env);
  return { files: archive.members, scanMb: Math.ceil(archive.totalBytes / MB), seconds: Number(env.SCAN_CLAMAV_MAX_SECONDS) > 0 ? Number(env.SCAN_CLAMAV_MAX_SECONDS) : 60 };
}

/** clamd.conf lines for these limits; AlertExceedsMax makes a stop a `Heuristics.Limits.Exceeded.*` answer. */
export function clamdLimitLines(limits: ClamLimits): string[] {
  return [`MaxFiles ${limits.files}`, `MaxScanSize ${limits.scanMb}M`, `MaxScanTime ${Math.round(limits.seconds * 1000)}`, 'AlertExceedsMax yes'];
}

/** A ClamAV detection, or ClamAV saying it stopped at a limit: not a detection, a note that the rest went unscanned. */
export function clamFinding(signature: string): Finding {
  const limit = /^Heuristics\.Limits\.Exceeded\.(\w+)/.exec(signature);
  if (limit) return { rule: 'clamav.limits-exceeded', description: `ClamAV stopped at its ${limit[1]} limit: what lies past it was not scanned`, severity: 'low' };
  return { rule: `clamav.${signature}`, description: `ClamAV signature ${signature}`, severity: 'high' };
}

/**
 * ClamAV's clamscan with our own databases only (`-d`), so no freshclam
 * download is needed. clamscan unpacks archives, mail, installers and packed
 * executables itself: EICAR in a zip in a zip is found this way.
 */
export class ClamAv {
  readonly #options: ClamOptions;

  constructor(options: ClamOptions) {
    this.#options = options;
  }

  #args(): string[] {
    const limits = this.#options.limits;
    const bounds = limits === undefined ? [] : [`--max-files=${limits.files}`, `--max-scansize=${limits.scanMb}M`, `--max-scantime=${Math.round(limits.seconds * 1000)}`, '--alert-exceeds-max=yes'];
    return ['--no-summary', '--stdout', '--infected', ...bounds, ...this.#options.databases.flatMap((db) => ['-d', db])];
  }

  /** Detections per file (several files per call: clamscan's start-up is paid once). Throws when clamscan fails. */
  async scan(files: string[]): Promise<Map<string, Finding[]>> {
    const found = new Map<string, Finding[]>(files.map((file) => [file, []]));
    if (files.length === 0) return found;
    const result = await tool(this.#options.clamscan ?? 'clamscan', [...this.#args(), '--', ...files]);
    // 0: nothing found, 1: something found; anything else (2) is an error.
    if (result.code !== 0 && result.code !== 1) throw new Error(`clamscan failed: ${(result.stderr || result.stdout).trim()}`);
    for (const line of result.stdout.split('\n')) {
      if (!line.endsWith(' FOUND')) continue;
      const body = line.slice(0, -' FOUND'.length);
      const file = files.find((candidate) => body.startsWith(`${candidate}: `));
      if (file === undefined) continue;
      found.get(file)!.push(clamFinding(body.slice(file.length + 2)));
    }
    return found;
  }

  /** Loads the databases on an empty file: undefined when they load, else clamscan's complaint. */
  async check(): Promise<string | undefined> {
    for (const db of this.#options.databases) if (!fs.existsSync(db)) return `ClamAV database ${db} does not exist`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-clamcheck-'));
    try {
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '');
      await this.scan([empty]);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
