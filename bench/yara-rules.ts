import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeDump } from './workload.ts';

const SCAN = fileURLToPath(new URL('../apps/example/scan.ts', import.meta.url));

/** The generic scan app in warm mode: one JSON request line in, one report line out. */
export class WarmScan {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;

  constructor(env: NodeJS.ProcessEnv) {
    this.#child = spawn(process.execPath, [SCAN], { env: { ...process.env, ...env, BROAPT_WARM: '1' } });
    this.#lines = readline.createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  /** Milliseconds for one file, after checking the answer is a report. */
  async time(file: string): Promise<number> {
    const started = performance.now();
    this.#child.stdin.write(`${JSON.stringify({ path: file, mime: 'text/plain', report: '' })}\n`);
    const { value } = await this.#lines.next();
    const elapsed = performance.now() - started;
    if (typeof value !== 'string' || JSON.parse(value).app !== 'scan') throw new Error(`no report for ${file}: ${String(value)}`);
    return elapsed;
  }

  close(): void {
    this.#child.stdin.end();
  }
}

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const costLine = (name: string, xs: number[]) => `${name}: ${mean(xs).toFixed(1)} ms/file (median ${median(xs).toFixed(1)})`;

/** Per-file times of two warm scan apps over the same files, taking turns file by file, so a change in the machine's load hits both alike. */
export async function takingTurns(a: WarmScan, b: WarmScan, files: string[]): Promise<[number[], number[]]> {
  const times: [number[], number[]] = [[], []];
  for (const [i, file] of files.entries()) {
    if (i % 2 === 0) {
      times[0].push(await a.time(file));
      times[1].push(await b.time(file));
    } else {
      times[1].push(await b.time(file));
      times[0].push(await a.time(file));
    }
  }
  return times;
}

/**
 * Per-file cost of the shipped generic scan (hashes, entropy, libmagic, YARA,
 * ClamAV), warm, over the same files, with its YARA rules compiled once by
 * yarac against recompiled from source for every file: both through the CLI.
 */
export async function main(n = 2_000): Promise<void> {
  console.log(`\nYARA rules: the generic scan app (apps/example, warm) over ${n} files, rules compiled once (yarac) vs from source per file, taking turns`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-yara-bench-'));
  const env = { XDG_CACHE_HOME: path.join(dir, 'cache') };
  const compiled = new WarmScan({ ...env, SCAN_YARA_MODE: 'compiled', SCAN_YARA_ENGINE: 'cli' });
  const source = new WarmScan({ ...env, SCAN_YARA_MODE: 'source' });
  try {
    const files = await makeDump(path.join(dir, 'dump'), n);
    const [compiledTimes, sourceTimes] = await takingTurns(compiled, source, files);
    console.log(`     ${costLine('compiled', compiledTimes)}   ${costLine('source', sourceTimes)}   source/compiled: ${(mean(sourceTimes) / mean(compiledTimes)).toFixed(2)}×`);
  } finally {
    compiled.close();
    source.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 2_000));
