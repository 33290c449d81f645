import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('broapt watch', () => {
  it('takes the backlog minus history, then new, moved-in, nested and slowly written files', async () => {
    // The report records the size it saw, so a file taken before it stopped growing shows up.
    await ws().writeApi(`
example:
  report: echo "$(basename "$BROAPT_PATH") $(wc -c < "$BROAPT_PATH")" >> "$SIZES"
`);
    const sizes = path.join(ws().dir, 'sizes');
    const old = await ws().addFile(broaptName(1, 'text/plain', 'txt'));
    const backlog = await ws().addFile(broaptName(2, 'text/plain', 'txt'));
    await fs.mkdir(ws().logs, { recursive: true });
    await fs.writeFile(path.join(ws().logs, 'dump.log'), `${old}\n`);

    const run = startCli(['watch', '--settle-time', '0.4'], { ...ws().env, SIZES: sizes, BROAPT_INTERVAL: '30' });
    const done = async () => new Set(await ws().readLines('dump.log'));
    await waitFor(async () => (await done()).has(backlog), 20_000, 'the backlog file');

    const written = await ws().addFile(broaptName(3, 'text/plain', 'txt'));
    const outside = path.join(ws().dir, broaptName(4, 'text/plain', 'txt'));
    await fs.writeFile(outside, 'moved');
    const moved = path.join(ws().dump, path.basename(outside));
    await fs.rename(outside, moved);
    const nested = await ws().addFile(`new/deeper/${broaptName(5, 'text/plain', 'txt')}`);
    const slow = path.join(ws().dump, broaptName(6, 'text/plain', 'txt'));
    const handle = await fs.open(slow, 'w');
    for (let i = 0; i < 8; i++) {
      await handle.write('0123456789');
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await handle.close();

    await waitFor(async () => {
      const finished = await done();
      return [written, moved, nested, slow].every((f) => finished.has(f));
    }, 20_000, 'the new files');
    run.child.kill('SIGUSR1');
    const result = await run.done;
    expect(result.code).toBe(0);
    const finalLines = await ws().readLines('dump.log');
    expect(finalLines.filter((l) => l === old)).toHaveLength(1);
    expect(new Set(finalLines)).toEqual(new Set([old, backlog, written, moved, nested, slow]));
    const seen = (await fs.readFile(sizes, 'utf8')).trim().split('\n');
    expect(seen).toContain(`${path.basename(slow)} 80`);
    expect(seen.some((l) => l.startsWith(path.basename(old)))).toBe(false);
  });
});

describe('broapt watch exit status', () => {
  it('exits 0 after a drain even when files failed: they are in fail.log', async () => {
    await ws().writeApi(`
example:
  report: exit 4
`);
    await ws().addFile(broaptName(1, 'text/plain', 'txt'));
    const run = startCli(['watch', '--max-retry', '1'], ws().env);
    await waitFor(async () => (await ws().readLines('fail.log')).length === 1, 20_000, 'the failure');
    run.child.kill('SIGUSR1');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 done, 1 failed');
  });
});
