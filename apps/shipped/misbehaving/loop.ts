// A type analysis that never answers: the contained thread must be ended by its time budget.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  for (;;);
});
