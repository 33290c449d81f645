import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('broapt apps check runs what scan runs, with the same runner', () => {
  it('--runner container: an app without an image is broken, as scan finds it', async () => {
    await ws().writeApi('example:\n  report: ":"\n');
    const check = await runCli(['apps', 'check', '--runner', 'container'], ws().env);
    expect(check.stdout).toMatch(/1 app, 0 usable, 1 broken/);
    expect(check.stdout).toMatch(/example \(api\.yml line 1\): .*no `image:` or `build:`/);
    expect(check.code).toBe(1);
    const scan = await runCli(['scan', '--runner', 'container'], ws().env);
    expect(scan.code).toBe(2);
    expect(scan.stderr).toMatch(/no `image:` or `build:`/);
  });

  it('--runner sandbox: a check runs in the sandbox, and sees only what the app mounts', async () => {
    const rules = path.join(ws().dir, 'rules', 'main.yar');
    await fs.mkdir(path.dirname(rules), { mode: 0o755 });
    await fs.writeFile(rules, 'rule x { condition: true }\n', { mode: 0o644 });
    const api = (mounts: string) => `example:\n  environ:\n    RULES: ${rules}\n${mounts}  check: test -r "$RULES"\n  report: ":"\n`;
    await ws().writeApi(api(''));
    // On the host the rules are there: the check passes.
    expect(await runCli(['apps', 'check'], ws().env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/1 app, 1 usable, 0 broken/) });
    // In the sandbox they are not, unless mounted: what every file of the app would meet.
    const sandboxed = await runCli(['apps', 'check', '--runner', 'sandbox'], ws().env);
    expect(sandboxed.stdout).toMatch(/1 app, 0 usable, 1 broken\n {2}example \(api\.yml line 1\): check `test -r "\$RULES"` exited 1 \(in the sandbox\)/);
    expect(sandboxed.code).toBe(1);
    await ws().writeApi(api(`  mounts: ['${path.dirname(rules)}']\n`));
    expect(await runCli(['apps', 'check', '--runner', 'sandbox'], ws().env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/1 app, 1 usable, 0 broken/) });
  });

  it('scan refuses a bare program that is not on PATH, as apps check does', async () => {
    await ws().writeApi('example:\n  report: no-such-program-xyz "$BROAPT_PATH"\n');
    const check = await runCli(['apps', 'check'], ws().env);
    expect(check.code).toBe(1);
    const scan = await runCli(['scan'], ws().env);
    expect(scan.code).toBe(2);
    expect(scan.stderr).toContain('starts no-such-program-xyz, which is not on PATH');
  });
});
