import { Piscina } from 'piscina';
import { killAllLaunchers, useLauncherRegistry } from '../runner/launcher.ts';
import type { Task } from './task.ts';
import type { TaskOutcome } from './worker.ts';

/**
 * Files handed to the pool per job: one running and the next ones already in
 * its worker, where each command starts the moment the last one ends (worker.ts
 * runs a worker's commands in turn), whatever the main thread is busy with.
 * Two was measured to leave the shells waiting on the main thread a third of
 * the time; beyond four gained nothing.
 */
export const IN_FLIGHT_PER_JOB = 4;

/**
 * The worker pool: `jobs` threads, each running one command at a time, so
 * `jobs` is the number of files analysed at once. `stop()` makes workers
 * give files that have not started back untouched.
 */
export class FilePool {
  readonly #piscina: Piscina<Task, TaskOutcome>;
  readonly #stop = new Int32Array(new SharedArrayBuffer(4));
  /** Launcher groups of the workers (one each at a time) and of the main thread's installs. */
  readonly #launchers: Int32Array;

  constructor(jobs: number) {
    this.#launchers = new Int32Array(new SharedArrayBuffer(4 * (jobs + 16)));
    useLauncherRegistry(this.#launchers);
    this.#piscina = new Piscina<Task, TaskOutcome>({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: jobs,
      maxThreads: jobs,
      concurrentTasksPerWorker: IN_FLIGHT_PER_JOB,
      // Nothing reads Piscina's run and wait time histograms; recording them costs on every file.
      recordTiming: false,
      // Workers only wait on child processes; keep them for the life of the pool.
      idleTimeout: Number.POSITIVE_INFINITY,
      workerData: { stop: this.#stop, launchers: this.#launchers },
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
