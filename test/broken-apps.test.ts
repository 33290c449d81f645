import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

/** One app whose program is not installed, one whose workdir was never made, one that works. */
async function halfBrokenApi(): Promise<void> {
  await ws().writeApi(
    `
example:
  report: ":"
application:
  pdf:
    report: /usr/bin/python3.6 detect.py
  zip:
    workdir: never-created
    report: ":"
text:
  plain:
    report: ":"
`,
    { workdirs: false },
  );
  for (const dir of ['example', 'application/pdf', 'text/plain']) await fs.mkdir(path.join(ws().api, dir), { recursive: true });
  await ws().addFile(broaptName(1, 'application/pdf', 'pdf'), '%PDF-1.4');
  await ws().addFile(broaptName(2, 'application/zip', 'zip'), 'PK');
  await ws().addFile(broaptName(3, 'text/plain', 'txt'), 'hello');
}

describe('broken apps', () => {
  it('stop the run by default, naming every broken app', async () => {
    await halfBrokenApi();
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('never-created');
    expect(await ws().readLines('processed.jsonl')).toEqual([]);
  });

  it.each([
    ['--broken-apps skip', ['--broken-apps', 'skip'], {}],
    ['BROAPT_BROKEN_APPS=skip', [], { BROAPT_BROKEN_APPS: 'skip' }],
  ])('under %s: their files fail with the check’s reason, the rest run, the summary lists them', async (_name, flags, env) => {
    await halfBrokenApi();
    const result = await runCli(['scan', ...flags], { ...ws().env, ...env });
    expect(result.code).toBe(1);
    const records = await ws().records();
    const byApp = Object.fromEntries(records.map((record) => [record.app, record]));
    expect(byApp['application/pdf']).toMatchObject({ status: 'failed', reason: expect.stringContaining('/usr/bin/python3.6, which is not an executable file'), commands: [] });
    expect(byApp['application/zip']).toMatchObject({ status: 'failed', reason: expect.stringContaining('never-created does not exist') });
    expect(byApp['text/plain']).toMatchObject({ status: 'done' });
    expect(await ws().readLines('fail.log')).toHaveLength(2);
    // Logged at start too, for a watch or daemon that runs for days.
    expect(result.stderr).toMatch(/"apps":\["application\/pdf","application\/zip"\].*broken apps skipped/);
    expect(result.stdout).toMatch(/2 broken apps skipped \(--broken-apps skip\); their files failed:\n {2}application\/pdf \(api\.yml line \d+\): .*python3\.6.*\n {2}application\/zip \(api\.yml line \d+\): .*never-created/);
  });

  it('are listed 20 at most in the start-up error: a huge api.yml does not print a huge message', async () => {
    const apps = Array.from({ length: 25 }, (_, i) => `  s${i}:\n    workdir: missing-${i}\n    report: ":"`).join('\n');
    await ws().writeApi(`example:\n  report: ":"\napplication:\n${apps}\n`, { workdirs: false });
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('application/s19 (api.yml line');
    expect(result.stderr).not.toContain('application/s20 (api.yml line');
    expect(result.stderr).toContain('… and 5 more: `broapt apps check` lists them all');
  });

  it('refuses a policy it does not know, in one line', async () => {
    await halfBrokenApi();
    const result = await runCli(['scan', '--broken-apps', 'ignore'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--broken-apps="ignore" is not valid: give refuse or skip');
  });
});
