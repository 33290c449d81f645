import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClamAv } from '../apps/example/clamav.ts';
import { Clamd } from '../apps/example/clamd.ts';
import { startClamd } from '../apps/example/clamd-server.ts';
import { defaultClamDatabases } from '../apps/example/scan.ts';
import { corpusRoot } from '../scripts/corpus.ts';
import { regularFilesUnder } from './workload.ts';

const TESTFILES = '/usr/share/clamav-testfiles';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Per-file cost of ClamAV the two ways the generic scan runs it, on the same
 * databases and files: INSTREAM to a clamd that loaded them once, against a
 * clamscan per file that loads them every time. Files are Debian's
 * clamav-testfiles and the benign corpus; the two take turns file by file, so
 * a change in the machine's load hits both alike.
 */
export async function main(n = 200): Promise<void> {
  const databases = defaultClamDatabases();
  const files = [...regularFilesUnder(TESTFILES, n), ...regularFilesUnder(path.join(corpusRoot(), 'benign'), n)].slice(0, n);
  console.log(`\nClamAV: clamd INSTREAM vs clamscan per file, ${files.length} files, databases ${databases.map((db) => path.basename(db)).join(', ')}`);
  if (files.length === 0) return console.log('     no files: install clamav-testfiles or fetch the corpus');
  const started = performance.now();
  const server = await startClamd({ databases });
  const startup = performance.now() - started;
  try {
    const clamd = new Clamd({ socket: server.socket });
    const clamscan = new ClamAv({ databases });
    const times = { clamd: [] as number[], clamscan: [] as number[] };
    const found = { clamd: 0, clamscan: 0 };
    const viaClamd = async (file: string) => {
      const t = performance.now();
      const verdict = await clamd.scan(fs.readFileSync(file));
      times.clamd.push(performance.now() - t);
      if (verdict.kind === 'found') found.clamd++;
    };
    const viaClamscan = async (file: string) => {
      const t = performance.now();
      const findings = (await clamscan.scan([file])).get(file)!;
      times.clamscan.push(performance.now() - t);
      if (findings.length > 0) found.clamscan++;
    };
    for (const [i, file] of files.entries()) {
      const order = i % 2 === 0 ? [viaClamd, viaClamscan] : [viaClamscan, viaClamd];
      for (const run of order) await run(file);
    }
    const line = (name: 'clamd' | 'clamscan') => `${name}: ${mean(times[name]).toFixed(1)} ms/file (median ${median(times[name]).toFixed(1)}, ${found[name]} found)`;
    console.log(`     clamd start-up ${(startup / 1000).toFixed(1)} s   ${line('clamd')}   ${line('clamscan')}   clamscan/clamd: ${(mean(times.clamscan) / mean(times.clamd)).toFixed(1)}×`);
  } finally {
    await server.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(Number(process.argv[2] ?? 200));
