/**
 * The thread the type analyzers run in (apps/shipped/contained.ts): a parser
 * that loops or eats memory ends this thread, not the process that holds the
 * generic scan's findings.
 */
import { parentPort } from 'node:worker_threads';
import type { Analysis, Sample } from '../lib/analyzer.ts';
import { typeAnalyzers } from './analyzers.ts';

export interface TypeRequest {
  id: number;
  sample: Sample;
}

export interface TypeAnswer {
  id: number;
  results: Array<{ name: string; analysis?: Analysis; error?: string }>;
}

const analyzers = typeAnalyzers();

parentPort?.on('message', async ({ id, sample }: TypeRequest) => {
  // Structured cloning hands a Uint8Array over; the analyzers read with Buffer's methods.
  const bytes = Buffer.from(sample.bytes.buffer, sample.bytes.byteOffset, sample.bytes.byteLength);
  const input: Sample = { ...sample, bytes };
  const results: TypeAnswer['results'] = [];
  for (const analyzer of analyzers) {
    try {
      if (analyzer.accepts(input)) results.push({ name: analyzer.name, analysis: await analyzer.analyse(input) });
    } catch (error) {
      results.push({ name: analyzer.name, error: (error as Error).message });
    }
  }
  parentPort!.postMessage({ id, results } satisfies TypeAnswer);
});
