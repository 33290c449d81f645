// A type analysis that eats its heap, as a parser following a looping chain would.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  const kept: number[][] = [];
  for (;;) kept.push(Array.from({ length: 1 << 16 }, (_, i) => i));
});
