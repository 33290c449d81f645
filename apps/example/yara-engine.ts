import type { Sample } from '../lib/analyzer.ts';
import type { Finding } from '../lib/report.ts';
import { YaraCli, type Externals, type YaraOptions } from './yara.ts';
import { loadYaraX, YARA_X_PACKAGE, YaraInProcess, type YaraXBinding } from './yara-x.ts';

/** `auto`: in process when the binding loads and takes the rules, else the CLI. */
export type EngineChoice = 'auto' | 'inprocess' | 'cli';

export function engineChoice(value: string | undefined): EngineChoice {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  if (value === 'inprocess' || value === 'cli') return value;
  throw new Error(`SCAN_YARA_ENGINE is auto, inprocess or cli, not ${value}`);
}

export interface EngineOptions extends YaraOptions {
  engine: EngineChoice;
  /** The YARA-X binding [@litko/yara-x]; tests hand in a failing one. */
  load?: () => YaraXBinding | Error;
}

/**
 * The YARA engine the generic scan uses, chosen once at the first compile:
 * YARA-X in this process (no process per file, the bytes already read), or the
 * yara CLI where the binding has no build for the platform or YARA-X, which is
 * stricter about some syntax, rejects rules that libyara takes.
 */
export class YaraEngine {
  readonly #options: EngineOptions;
  #chosen: Promise<YaraInProcess | YaraCli> | undefined;
  /** Why auto mode fell back to the CLI, for --check. */
  #fallback = '';

  constructor(options: EngineOptions) {
    // Recompiling per file (the bench's baseline) is a CLI mode.
    this.#options = options.mode === 'source' ? { ...options, engine: 'cli' } : options;
  }

  /** Compiles the rules (once) with the engine that takes them; throws when none does. */
  compile(): Promise<YaraInProcess | YaraCli> {
    this.#chosen ??= this.#choose();
    return this.#chosen;
  }

  async #choose(): Promise<YaraInProcess | YaraCli> {
    const { engine, load = loadYaraX } = this.#options;
    const cli = async () => {
      const yara = new YaraCli(this.#options);
      await (this.#options.mode === 'source' ? yara.files() : yara.compile());
      return yara;
    };
    if (engine === 'cli') return cli();
    const binding = load();
    if (binding instanceof Error) {
      if (engine === 'inprocess') throw binding;
      this.#fallback = binding.message;
      return cli();
    }
    const inProcess = new YaraInProcess(this.#options, binding);
    try {
      inProcess.compile();
      return inProcess;
    } catch (error) {
      if (engine === 'inprocess') throw error;
      // Rules libyara takes and YARA-X does not still run through the CLI; when neither takes them, YARA-X's message says why.
      const yara = await cli().catch(() => undefined);
      if (yara === undefined) throw error;
      this.#fallback = `YARA-X rejects the rules: ${(error as Error).message.split('\n')[0]}`;
      (this.#options.warn ?? ((line: string) => process.stderr.write(`${line}\n`)))(`yara: using the yara CLI: ${this.#fallback}`);
      return yara;
    }
  }

  /** Which engine scans, after compile(): for --check. */
  async describe(): Promise<string> {
    const yara = await this.compile();
    if (yara instanceof YaraInProcess) return `yara in-process (YARA-X, ${YARA_X_PACKAGE})`;
    return `yara CLI (${yara.yara})${this.#fallback ? `: ${this.#fallback}` : ''}`;
  }

  /** In process the sample's bytes are scanned (the head of a truncated sample); the CLI reads the file by its path. */
  async scan(sample: Pick<Sample, 'bytes' | 'path'>, externals: Externals): Promise<Finding[]> {
    const yara = await this.compile();
    return yara instanceof YaraInProcess ? yara.scan(sample.bytes, externals) : yara.scan(sample.path, externals);
  }
}
