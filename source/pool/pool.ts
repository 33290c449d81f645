import { Piscina } from 'piscina';
import type { Task } from './task.ts';
import type { TaskOutcome } from './worker.ts';

/** The worker pool: `jobs` threads, one file each at a time, so `jobs` is the number of files analysed at once. */
export class FilePool {
  readonly #piscina: Piscina<Task, TaskOutcome>;

  constructor(jobs: number) {
    this.#piscina = new Piscina<Task, TaskOutcome>({
      filename: new URL('./worker.ts', import.meta.url).href,
      minThreads: jobs,
      maxThreads: jobs,
      concurrentTasksPerWorker: 1,
      // Workers only wait on child processes; keep them for the life of the pool.
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  run(task: Task): Promise<TaskOutcome> {
    return this.#piscina.run(task);
  }

  async close(): Promise<void> {
    await this.#piscina.destroy();
  }
}
