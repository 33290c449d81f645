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

  it('--runner sandbox: a program the sandbox does not show is missing, even behind a link in the workdir', async () => {
    const tools = path.join(ws().dir, 'tools');
    await fs.mkdir(tools, { mode: 0o755 });
    await fs.writeFile(path.join(tools, 'report.sh'), '#!/bin/sh\ntrue\n', { mode: 0o755 });
    await ws().writeApi(`example:\n  report: ${path.join(tools, 'report.sh')}\napplication:\n  pdf:\n    report: ./report.sh\n`);
    await fs.symlink(path.join(tools, 'report.sh'), path.join(ws().api, 'application', 'pdf', 'report.sh'));
    expect(await runCli(['apps', 'check'], ws().env)).toMatchObject({ code: 0, stdout: expect.stringMatching(/2 apps, 2 usable, 0 broken/) });
    const sandboxed = await runCli(['apps', 'check', '--runner', 'sandbox'], ws().env);
    expect(sandboxed.stdout).toContain(`example (api.yml line 1): \`${path.join(tools, 'report.sh')}\` starts ${path.join(tools, 'report.sh')}, which the sandbox does not show: add its folder to \`mounts\``);
    expect(sandboxed.stdout).toContain('application/pdf (api.yml line 4): `./report.sh` starts ./report.sh, which the sandbox does not show');
    expect(sandboxed.code).toBe(1);
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
