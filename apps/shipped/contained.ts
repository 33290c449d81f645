/**
 * Runs the type analyzers in a worker thread with a heap cap and a time
 * budget per file. A parser bug (a loop, a FAT chain that eats memory) ends as
 * a finding on the file and a fresh thread for the next one; the generic
 * scan's findings, made in the main thread, are kept.
 */
import { Worker } from 'node:worker_threads';
import type { Sample } from '../lib/analyzer.ts';
import type { TypeAnswer } from './type-worker.ts';

export interface ContainedOptions {
  timeoutMs: number;
  memoryMb: number;
  /** The thread's script [type-worker.ts]; tests hand in one that misbehaves. */
  worker?: URL;
}

export type TypeResult = TypeAnswer['results'][number];

export function containedOptionsFrom(env: NodeJS.ProcessEnv): ContainedOptions {
  const num = (value: string | undefined, fallback: number) => (Number(value) > 0 ? Number(value) : fallback);
  return { timeoutMs: num(env.ANALYZER_TIMEOUT, 60) * 1000, memoryMb: num(env.ANALYZER_MEMORY_MB, 1024) };
}

export class ContainedAnalyzers {
  readonly #options: ContainedOptions;
  #worker: Worker | undefined;
  #next = 0;

  constructor(options: ContainedOptions) {
    this.#options = options;
  }

  #start(): Worker {
    const worker = new Worker(this.#options.worker ?? new URL('./type-worker.ts', import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.#options.memoryMb, maxYoungGenerationSizeMb: 64 },
    });
    worker.unref();
    return worker;
  }

  /** Each accepting analyzer's analysis or error; a thread that dies or overruns is one error for the whole file. */
  run(sample: Sample): Promise<TypeResult[]> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#next++;
    return new Promise((resolve) => {
      const finish = (results: TypeResult[], restart: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (restart) {
          if (this.#worker === worker) this.#worker = undefined;
          void worker.terminate();
        }
        resolve(results);
      };
      const onMessage = (answer: TypeAnswer) => {
        if (answer.id === id) finish(answer.results, false);
      };
      const onError = (error: Error) => finish([{ name: 'analyzer', error: `the type analysis crashed: ${error.message}` }], true);
      const onExit = (code: number) => finish([{ name: 'analyzer', error: `the type analysis ended with code ${code}` }], true);
      const timer = setTimeout(() => finish([{ name: 'analyzer', error: `the type analysis took longer than ${this.#options.timeoutMs / 1000} s` }], true), this.#options.timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, sample });
    });
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}

