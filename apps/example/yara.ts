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
  /** Compile each rule file alone first and leave out the ones that do not compile, one stderr line each. */
  skipBroken?: boolean;
  /** Where skipped files are told [stderr]. */
  warn?: (line: string) => void;
}

/**
 * The external variables public rulesets (signature-base, Yara-Rules, LOKI's)
 * test: every rule file compiles with them empty, and each scan sets them.
 */
export const EXTERNALS = ['filename', 'filepath', 'extension', 'filetype', 'owner'] as const;
export type Externals = Partial<Record<(typeof EXTERNALS)[number], string>>;

const defines = (values: Externals = {}) =>
  EXTERNALS.flatMap((name) => {
    const value = values[name] ?? '';
    // yara types a -d value by its look; a number or boolean would clash with the string the rules were compiled with.
    return /^(?:true|false|-?\d+(?:\.\d*)?)$/i.test(value) || value.includes('\0') ? [] : ['-d', `${name}=${value}`];
  });

/** The rule files, in a stable order. */
export function ruleFiles(rules: string[]): string[] {
  return rules.flatMap((entry) => {
    const stats = fs.statSync(entry, { throwIfNoEntry: false });
    if (stats === undefined) throw new Error(`YARA rules ${entry} do not exist`);
    return stats.isDirectory() ? folderRules(entry) : [entry];
  });
}

/** Public rulesets keep rules in subfolders (malware/, exploits/ …); links are not followed. */
function folderRules(folder: string, depth = 0): string[] {
  if (depth > 8) return [];
  return fs
    .readdirSync(folder, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((d) => {
      const full = path.join(folder, d.name);
      if (d.isDirectory()) return folderRules(full, depth + 1);
      return d.isFile() && /\.yara?$/.test(d.name) ? [full] : [];
    });
}

/**
 * YARA through the yara command line, where YARA-X does not load or does not
 * take the rules. Rules are compiled once with yarac into a file named by
 * their content's hash, so every file (and every process that shares the
 * cache) reuses them; changed rules get a new file.
 */
export class YaraCli {
  readonly #options: YaraOptions;
  readonly #files: string[];
  #usable: Promise<string[]> | undefined;
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
      const files = await this.files();
      const result = await tool(this.#options.yarac ?? 'yarac', ['-w', ...defines(), ...files, partial]);
      if (result.code !== 0) {
        fs.rmSync(partial, { force: true });
        throw new Error(`YARA rules do not compile (${files.join(', ')}): ${(result.stderr || result.stdout).trim()}`);
      }
      // rename is atomic: a process running at the same time sees the old state or the whole file.
      fs.renameSync(partial, target);
    }
    this.#compiled = target;
    return target;
  }

  /** The rule files to use: all of them, or in skip mode those that compile alone; throws when none is left. */
  files(): Promise<string[]> {
    this.#usable ??= this.#options.skipBroken ? this.#compilingAlone() : Promise.resolve(this.#files);
    return this.#usable;
  }

  async #compilingAlone(): Promise<string[]> {
    const warn = this.#options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-yarac-'));
    try {
      const good: string[] = [];
      for (const file of this.#files) {
        const result = await tool(this.#options.yarac ?? 'yarac', ['-w', ...defines(), file, path.join(scratch, 'one.yarc')]);
        if (result.code === 0) good.push(file);
        else warn(`yara: skipped ${file}: ${(result.stderr || result.stdout).trim().split('\n')[0]}`);
      }
      if (good.length === 0) throw new Error(`YARA rules do not compile: no rule file of ${this.#files.length} compiles`);
      return good;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }

  #cachePath(): string {
    // The externals are part of what was compiled: a cache from before them would not take -d.
    const hash = createHash('sha256').update(`externals:${EXTERNALS.join(',')}\0skip:${this.#options.skipBroken === true}\0`);
    for (const file of this.#files) hash.update(file).update('\0').update(fs.readFileSync(file)).update('\0');
    const root = path.join(this.#options.cacheDir || os.tmpdir(), `broapt-yara-${os.userInfo().uid}`);
    return path.join(root, `${hash.digest('hex').slice(0, 32)}.yarc`);
  }

  async scan(file: string, externals: Externals = {}): Promise<Finding[]> {
    const source = this.#options.mode === 'source';
    const args = source ? ['-w', '-m', ...defines(externals), ...(await this.files()), file] : ['-w', '-m', ...defines(externals), '-C', await this.compile(), file];
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
