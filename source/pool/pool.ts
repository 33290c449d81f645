import { Piscina } from 'piscina';
import { killAllLaunchers, useLauncherRegistry } from '../runner/launcher.ts';
import type { Task, TaskOutcome } from './task.ts';

/**
 * Files handed to the pool per job: one running and the next ones already in
 * its worker, where each command starts the moment the last one ends (worker.ts
 * runs a worker's commands in turn), whatever the main thread is busy with.
 * Two was measured to leave the shells waiting on the main thread a third of
 * the time; beyond four gained nothing.
 */
export const IN_FLIGHT_PER_JOB = 4;

/**
 * Most files one pool thread analyses at once. A thread only waits on child
 * processes, hashes files and reads reports, so one keeps up with several
 * commands; each thread is a V8 isolate of its own, about 19 MB of RSS, and one
 * per job made the pool half of a scan's memory.
 */
export const MAX_LANES = 4;

/**
 * Threads and files per thread for `jobs` files at once: the fewest threads that
 * share the jobs evenly with at most MAX_LANES each, since every thread of a
 * Piscina pool gets the same settings (a prime `jobs` above MAX_LANES gets a
 * thread per job).
 */
export function poolShape(jobs: number): { threads: number; lanes: number } {
  let threads = Math.ceil(jobs / MAX_LANES);
  while (jobs % threads !== 0) threads++;
  return { threads, lanes: jobs / threads };
}

/**
 * The worker pool: `jobs` lanes spread over a few threads, each lane running
 * one command at a time, so `jobs` is the number of files analysed at once.
 * `stop()` makes workers give files that have not started back untouched.
 */
export class FilePool {
  readonly #piscina: Piscina<Task, TaskOutcome>;
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));
  /** Launcher groups of the lanes (one each at a time) and of the main thread's installs. */
  readonly #launchers: Int32Array;

  constructor(jobs: number) {
    this.#launchers = new Int32Array(new SharedArrayBuffer(4 * (jobs + 16)));
    useLauncherRegistry(this.#launchers);
    const { threads, lanes } = poolShape(jobs);
    this.#piscina = new Piscina<Task, TaskOutcome>({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      concurrentTasksPerWorker: lanes * IN_FLIGHT_PER_JOB,
      // Nothing reads Piscina's run and wait time histograms; recording them costs on every file.
      recordTiming: false,
      // Workers only wait on child processes; keep them for the life of the pool.
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { stop: this.#stop, launchers: this.#launchers, lanes },
    });
  }

  /** From now on, files not yet started come back `cancelled`. */
  stop(): void {
    Atomics.store(this.#stop, 0, 1);
  }

  /** Kill every command still running, for an exit that cannot wait for them. */
  killRunning(): void {
    killAllLaunchers(this.#launchers);
  }

  run(task: Task): Promise<TaskOutcome> {
    return this.#piscina.run(task);
  }

  async close(): Promise<void> {
    await this.#piscina.destroy();
  }
}
