import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../source/log.ts';
import { DeliveryLane, type Output } from '../source/outputs/lane.ts';
import { Spool } from '../source/outputs/spool.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe('DeliveryLane.close', () => {
  it("keeps the receiver's last error and counts no failure for the attempt its own stop cut off", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'broapt-lane-'));
    dirs.push(dir);
    const spool = await Spool.open(path.join(dir, 'spool'));
    let attempts = 0;
    // The receiver refuses once, then hangs until the stop's bound aborts the attempt.
    const output: Output = {
      name: 'hanging',
      batch: 1,
      deliver: (_items, signal) => {
        attempts++;
        if (attempts === 1) return Promise.reject(new Error('connection refused'));
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
      },
    };
    const lane = new DeliveryLane(output, spool, { logger: createLogger({ level: 'silent' }), backoffCapMs: 250 });
    await lane.add({ fuid: 'F1' });
    while (attempts < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await lane.close(200);
    expect(lane.stats).toEqual({ output: 'hanging', pending: 1, failed: 1, delivered: 0, rejected: 0, lastError: 'connection refused' });
    const state = JSON.parse(await fs.readFile(path.join(dir, 'spool', 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ pending: 1, failed: 1, lastError: 'connection refused' });
  });
});
