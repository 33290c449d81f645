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
