import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '../source/log.ts';
import { ResultsIndex } from '../source/results/index.ts';
import { LiveIndex } from '../source/results/live-index.ts';

const cacheBytes = (index: ResultsIndex) => -(index.db.prepare('PRAGMA cache_size').get() as { cache_size: number }).cache_size * 1024;

it("keeps a run's index cache small, so a scan's memory does not grow with the index; a bulk build keeps its big one", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'broapt-live-index-'));
  try {
    const live = LiveIndex.open(dir, silentLogger());
    try {
      // SQLite fills its page cache up to this as the index grows: about 1 kB a record.
      expect(cacheBytes(live.index)).toBeLessThanOrEqual(4 << 20);
    } finally {
      live.close();
    }
    const bulk = ResultsIndex.open(dir);
    try {
      expect(cacheBytes(bulk)).toBe(64 << 20);
    } finally {
      bulk.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
