import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Finding } from '../lib/report.ts';
import { tool } from '../lib/tools.ts';

export interface ClamOptions {
  /** Signature databases (.hdb, .ndb, .ldb, …, or folders of them, or a .cvd). */
  databases: string[];
  clamscan?: string;
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
    return ['--no-summary', '--stdout', '--infected', ...this.#options.databases.flatMap((db) => ['-d', db])];
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
      const name = body.slice(file.length + 2);
      found.get(file)!.push({ rule: `clamav.${name}`, description: `ClamAV signature ${name}`, severity: 'high' });
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
