import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSeverity, type Finding } from '../lib/report.ts';
import { tool } from '../lib/tools.ts';

export interface YaraOptions {
  /** Rule files, or folders whose `*.yar`/`*.yara` files are taken. */
  rules: string[];
  /** Where the compiled rules go; default: a cache file named by the rules' hash. */
  compiled?: string | undefined;
  /** Folder of the compiled-rules cache [$XDG_CACHE_HOME or the temp folder]. */
  cacheDir?: string | undefined;
  /** `source` compiles the rules on every file (yara RULES FILE), for the bench's comparison. */
  mode?: 'compiled' | 'source';
  yara?: string;
  yarac?: string;
}

/** The rule files, in a stable order. */
export function ruleFiles(rules: string[]): string[] {
  return rules.flatMap((entry) => {
    const stats = fs.statSync(entry, { throwIfNoEntry: false });
    if (stats === undefined) throw new Error(`YARA rules ${entry} do not exist`);
    if (!stats.isDirectory()) return [entry];
    return fs
      .readdirSync(entry)
      .filter((name) => /\.yara?$/.test(name))
      .sort()
      .map((name) => path.join(entry, name));
  });
}

/**
 * YARA through the yara command line. Rules are compiled once with yarac into
 * a file named by their content's hash, so every file (and every process that
 * shares the cache) reuses them; changed rules get a new file.
 */
export class Yara {
  readonly #options: YaraOptions;
  readonly #files: string[];
  #compiled: string | undefined;

  constructor(options: YaraOptions) {
    this.#options = options;
    this.#files = ruleFiles(options.rules);
  }

  get yara(): string {
    return this.#options.yara ?? 'yara';
  }

  /** Compiles the rules unless a compiled file for this exact text exists; throws with yarac's message when they do not compile. */
  async compile(): Promise<string> {
    if (this.#compiled !== undefined) return this.#compiled;
    const target = this.#options.compiled ?? this.#cachePath();
    if (!fs.existsSync(target)) {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      const partial = `${target}.${process.pid}.tmp`;
      const result = await tool(this.#options.yarac ?? 'yarac', ['-w', ...this.#files, partial]);
      if (result.code !== 0) {
        fs.rmSync(partial, { force: true });
        throw new Error(`YARA rules do not compile (${this.#files.join(', ')}): ${(result.stderr || result.stdout).trim()}`);
      }
      // rename is atomic: a process running at the same time sees the old state or the whole file.
      fs.renameSync(partial, target);
    }
    this.#compiled = target;
    return target;
  }

  #cachePath(): string {
    const hash = createHash('sha256');
    for (const file of this.#files) hash.update(file).update('\0').update(fs.readFileSync(file)).update('\0');
    const root = path.join(this.#options.cacheDir || os.tmpdir(), `broapt-yara-${os.userInfo().uid}`);
    return path.join(root, `${hash.digest('hex').slice(0, 32)}.yarc`);
  }

  async scan(file: string): Promise<Finding[]> {
    const source = this.#options.mode === 'source';
    const args = source ? ['-w', '-m', ...this.#files, file] : ['-w', '-m', '-C', await this.compile(), file];
    const result = await tool(this.yara, args);
    if (result.code !== 0) throw new Error(`yara failed on ${file}: ${(result.stderr || result.stdout).trim()}`);
    return parseYaraOutput(result.stdout, file);
  }
}

/** `yara -m` prints `RULE [key="value",…] FILE` per match; the file is known, so it is cut from the end. */
export function parseYaraOutput(stdout: string, file: string): Finding[] {
  const findings: Finding[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith(` ${file}`) ? raw.slice(0, -file.length - 1) : raw;
    const match = /^(\S+) \[(.*)\]$/s.exec(line);
    if (match === null) continue;
    const meta = new Map<string, string>();
    for (const pair of match[2]!.matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\]]*))/g)) meta.set(pair[1]!, (pair[2] ?? pair[3] ?? '').replace(/\\(.)/g, '$1'));
    const severity = meta.get('severity');
    findings.push({ rule: `yara.${match[1]}`, description: meta.get('description') ?? '', severity: isSeverity(severity) ? severity : 'medium' });
  }
  return findings;
}
