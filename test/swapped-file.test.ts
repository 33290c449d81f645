/**
 * Files swapped under broapt between its check and a later step (issue 13):
 * a FIFO swapped in by an earlier step must not hang the worker or the SIGTERM
 * drain. Each attack is made deterministic by an app that does the swap itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { broaptName, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

const ws = useWorkspace();
const running: Array<ReturnType<typeof startCli>> = [];

afterEach(() => {
  // A hung broapt from a failed check must not outlive its test.
  for (const cli of running.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
});

/** The app reports nothing, so broapt hashes the file itself after it, and finds the FIFO the app left. */
const SWAP_TO_FIFO = `
example:
  report: rm -f "$BROAPT_PATH" && mkfifo "$BROAPT_PATH"
`;

describe('a FIFO swapped in for the file by an earlier step', () => {
  it('does not hang the worker: the scan ends with a record', async () => {
    await ws().writeApi(SWAP_TO_FIFO);
    const file = await ws().addFile(broaptName(1, 'text/plain', 'txt'), 'payload');
    const cli = startCli(['scan', file], ws().env);
    running.push(cli);
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ path: file, status: 'done' });
    expect(record!.sha256).toBeUndefined();
  }, 30_000);

  it('does not hang the SIGTERM drain', async () => {
    await ws().writeApi(SWAP_TO_FIFO);
    const file = await ws().addFile(broaptName(2, 'text/plain', 'txt'), 'payload');
    const cli = startCli(['scan', file], ws().env);
    running.push(cli);
    await waitFor(() => fs.lstatSync(file, { throwIfNoEntry: false })?.isFIFO() ?? false, 20_000, 'the FIFO');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.signal, result.stderr).toBeNull();
    expect(fs.readdirSync(path.dirname(file))).toEqual([path.basename(file)]);
  }, 30_000);
});
