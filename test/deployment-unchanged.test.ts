import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

const API = `
example:
  report: "true"
`;

describe('a second scan', () => {
  it('counts the files it skips as already processed', async () => {
    await ws().writeApi(API);
    for (let i = 1; i <= 3; i++) await ws().addFile(broaptName(i, 'text/plain', 'txt'));
    const first = await runCli(['scan'], ws().env);
    expect(first.stdout).toMatch(/^3 files .*: 3 done, 0 failed, 0 skipped\n/);
    const second = await runCli(['scan'], ws().env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^0 files .*: 0 done, 0 failed, 3 skipped \(3 already processed\)\n/);
  });
});

describe('a reference dump.log written through a symlinked dump folder', () => {
  it('is recognised, whether the folder comes from BROAPT_DUMP_PATH or the command line', async () => {
    await ws().writeApi(API);
    const link = path.join(ws().dir, 'dump-link');
    await fs.symlink(ws().dump, link);
    const names = [broaptName(1, 'text/plain', 'txt'), broaptName(2, 'text/plain', 'txt')];
    for (const name of names) await ws().addFile(`text/plain/${name}`);
    // The reference printed each path as it reached it: through the folder it was given.
    await fs.mkdir(ws().logs, { recursive: true });
    await fs.writeFile(path.join(ws().logs, 'dump.log'), names.map((name) => `${link}/text/plain/${name}\n`).join(''));
    const viaEnv = await runCli(['scan'], { ...ws().env, BROAPT_DUMP_PATH: link });
    expect(viaEnv.stdout).toMatch(/^0 files .*: 0 done, 0 failed, 2 skipped \(2 already processed\)\n/);
    const viaArgument = await runCli(['scan', link], ws().env);
    expect(viaArgument.stdout).toMatch(/^0 files .*: 0 done, 0 failed, 2 skipped \(2 already processed\)\n/);
    expect(await ws().records()).toEqual([]);
  });
});
