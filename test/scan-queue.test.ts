import path from 'node:path';
import { expect, it } from 'vitest';
import { openSession } from '../source/pipeline/session.ts';
import { scanPaths } from '../source/pipeline/scan.ts';
import { resolveSettings } from '../source/settings.ts';
import { useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

it('feeds the processor as it makes room instead of queueing the whole listing', async () => {
  await ws().writeApi('example:\n  report: ": ok"\n');
  const files = 1_300;
  for (let i = 0; i < files; i++) await ws().addFile(path.join('text/plain', `f${i}.txt`));
  const session = await openSession(resolveSettings({}, ws().env));
  try {
    let mostQueued = 0;
    let listed: [number, number] | undefined;
    const summary = await scanPaths(session, [ws().dump], {
      onListed: (total, already) => (listed = [total, already]),
      onRecord: () => (mostQueued = Math.max(mostQueued, session.processor.queued)),
    });
    expect(listed).toEqual([files, 0]);
    expect(summary.done).toBe(files);
    // The walk pauses at 1,024 waiting files; the whole listing at once left over 1,290 waiting.
    expect(mostQueued).toBeLessThanOrEqual(1_024);
  } finally {
    await session.close();
  }
});
