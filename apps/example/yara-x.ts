import fs from 'node:fs';
import { createRequire } from 'node:module';
import { isSeverity, type Finding } from '../lib/report.ts';
import { EXTERNALS, ruleFiles, type Externals, type YaraOptions } from './yara.ts';

/** The part of @litko/yara-x (YARA-X through napi-rs) we use; declared here so the app still type-checks and runs where the package is missing. */
interface CompileProblem {
  message: string;
}
interface RuleMatch {
  ruleIdentifier: string;
  meta: Record<string, unknown>;
}
interface CompiledRules {
  scanAsync(data: Buffer, variables: Record<string, string>): Promise<RuleMatch[]>;
}
interface CompilerOptions {
  defineVariables: Record<string, string>;
  relaxedReSyntax: boolean;
}
export interface YaraXBinding {
  compile(source: string, options: CompilerOptions): CompiledRules;
  validate(source: string, options: CompilerOptions): { errors: CompileProblem[] };
}

/**
 * The prebuilt napi-rs binding itself, an optional dependency: its loader
 * package (@litko/yara-x) names platform packages the registry does not have,
 * which breaks `npm ci`; the binding's module exports the same API.
 */
export const YARA_X_PACKAGE = '@litko/yara-x-linux-x64-gnu';

/** The binding, or the reason it does not load (no prebuilt for this platform: musl, arm64 Linux, macOS …). */
export function loadYaraX(): YaraXBinding | Error {
  try {
    return createRequire(import.meta.url)(YARA_X_PACKAGE) as YaraXBinding;
  } catch (error) {
    return new Error(`${YARA_X_PACKAGE} does not load: ${(error as Error).message.split('\n')[0]}`);
  }
}

/**
 * Every external declared as a string, so a per-file value of any look keeps
 * that type (yara -d would guess); regexes read as libyara reads them (an
 * unknown escape such as \R is the letter), which public rulesets rely on.
 */
const COMPILER: CompilerOptions = { defineVariables: Object.fromEntries(EXTERNALS.map((name) => [name, ''])), relaxedReSyntax: true };

/** A scan that outlives this is reported as a failure instead of holding the file forever; the native thread itself cannot be stopped. */
const SCAN_TIMEOUT_MS = 60_000;

/**
 * YARA in this process: the rules are compiled once by YARA-X and each
 * sample's bytes (already in memory) are scanned on libuv's thread pool, so
 * no process is started and no path is opened again per file.
 */
export class YaraInProcess {
  readonly #options: YaraOptions;
  readonly #binding: YaraXBinding;
  readonly #files: string[];
  #usable: string[] | undefined;
  #rules: CompiledRules | undefined;
  /** Meta as written in the source, for values the binding reports as "unknown" (strings with escapes, booleans). */
  #meta = new Map<string, Map<string, string>>();

  constructor(options: YaraOptions, binding: YaraXBinding) {
    this.#options = options;
    this.#binding = binding;
    this.#files = ruleFiles(options.rules);
  }

  /** The rule files to use: all of them, or in skip mode those that compile alone; throws when none is left. */
  files(): string[] {
    this.#usable ??= this.#options.skipBroken ? this.#compilingAlone() : this.#files;
    return this.#usable;
  }

  #compilingAlone(): string[] {
    const warn = this.#options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
    const good = this.#files.filter((file) => {
      const problem = this.#problem(file);
      if (problem !== undefined) warn(`yara: skipped ${file}: ${problem.split('\n')[0]}`);
      return problem === undefined;
    });
    if (good.length === 0) throw new Error(`YARA rules do not compile: no rule file of ${this.#files.length} compiles`);
    return good;
  }

  #problem(file: string): string | undefined {
    return this.#binding.validate(fs.readFileSync(file, 'utf8'), COMPILER).errors[0]?.message;
  }

  /** Compiles the rules once; throws naming the files that do not compile and why. */
  compile(): void {
    if (this.#rules !== undefined) return;
    const files = this.files();
    const sources = files.map((file) => fs.readFileSync(file, 'utf8'));
    try {
      this.#rules = this.#binding.compile(sources.join('\n'), COMPILER);
    } catch (error) {
      // Line numbers in the joined text mean nothing to the user: say which file breaks.
      const broken = files.flatMap((file) => {
        const problem = this.#problem(file);
        return problem === undefined ? [] : [`${file}: ${problem}`];
      });
      throw new Error(`YARA rules do not compile (${files.join(', ')}): ${broken.join('\n') || (error as Error).message}`);
    }
    this.#meta = new Map(sources.flatMap((source) => [...sourceMeta(source)]));
  }

  async scan(bytes: Buffer, externals: Externals = {}): Promise<Finding[]> {
    this.compile();
    const variables = Object.fromEntries(EXTERNALS.map((name) => [name, externals[name] ?? '']));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`yara-x took over ${SCAN_TIMEOUT_MS / 1000} s`)), SCAN_TIMEOUT_MS);
    });
    try {
      const matches = await Promise.race([this.#rules!.scanAsync(bytes, variables), timeout]);
      return matches.map((match) => this.#finding(match));
    } finally {
      clearTimeout(timer);
    }
  }

  #finding(match: RuleMatch): Finding {
    const meta = (key: string) => {
      const value = match.meta[key];
      return value === 'unknown' ? this.#meta.get(match.ruleIdentifier)?.get(key) : typeof value === 'string' ? value : undefined;
    };
    const severity = meta('severity');
    return { rule: `yara.${match.ruleIdentifier}`, description: meta('description') ?? '', severity: isSeverity(severity) ? severity : 'medium' };
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/** String meta per rule, escapes decoded: a light reading of the source that only needs to agree with the compiler on rules that compiled. */
export function sourceMeta(source: string): Map<string, Map<string, string>> {
  const rules = new Map<string, Map<string, string>>();
  for (const rule of source.matchAll(/\brule\s+(\w+)[^{]*\{\s*meta\s*:([\s\S]*?)\b(?:strings|condition)\s*:/g)) {
    const meta = new Map<string, string>();
    for (const pair of rule[2]!.matchAll(/(\w+)\s*=\s*"((?:[^"\\\n]|\\.)*)"/g)) {
      meta.set(pair[1]!, pair[2]!.replace(/\\(x[0-9a-fA-F]{2}|.)/g, (_, c: string) => (c.length === 3 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (ESCAPES[c] ?? c))));
    }
    rules.set(rule[1]!, meta);
  }
  return rules;
}
