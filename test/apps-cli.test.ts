import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { programOf } from '../source/apps/check.ts';
import { broaptName, REPO, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

/** The shipped scan with the workspace's own (broken) rules, and an app whose program is missing. */
async function brokenApi(): Promise<void> {
  await fs.writeFile(path.join(ws().dir, 'bad.yar'), 'rule broken { condition: no_such_identifier }\n');
  await ws().writeApi(`
environment:
  NODE: \${BROAPT_NODE}
example:
  workdir: ${path.join(REPO, 'apps', 'example')}
  environ:
    SCAN_YARA_RULES: ${path.join(ws().dir, 'bad.yar')}
    SCAN_CLAMAV_DB: "off"
    XDG_CACHE_HOME: ${path.join(ws().dir, 'cache')}
  check: '"$NODE" scan.ts --check'
  report: '"$NODE" scan.ts'
application:
  pdf:
    report: no-such-program-xyz "$BROAPT_PATH"
`);
}

describe('broapt apps', () => {
  it('check passes on the shipped api.yml', async () => {
    const result = await runCli(['apps', 'check'], { XDG_CACHE_HOME: path.join(ws().dir, 'cache') });
    expect(result.stdout).toMatch(/apps\/api\.yml: \d+ apps, (\d+) usable, 0 broken/);
    // Which ClamAV engine the scan will use is said, once, though 40 keys share the check.
    expect(result.stdout.match(/check `"\$NODE" analyse\.ts --check`: clamav: (clamd at .*|clamscan \(no clamd\))\n/g)).toHaveLength(1);
    expect(result.code).toBe(0);
  });

  it('check names a rule file that does not compile and a program that is missing', async () => {
    await brokenApi();
    const result = await runCli(['apps', 'check'], ws().env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('2 apps, 0 usable, 2 broken');
    expect(result.stdout).toMatch(/example \(api\.yml line \d+\): check `"\$NODE" scan\.ts --check` exited 1:\n\s+scan: YARA rules do not compile .*no_such_identifier/);
    expect(result.stdout).toMatch(/application\/pdf \(api\.yml line \d+\): `no-such-program-xyz "\$BROAPT_PATH"` starts no-such-program-xyz, which is not on PATH/);
  });

  it('scan and watch refuse to start on an app whose rules do not compile, and take no file', async () => {
    await brokenApi();
    await ws().addFile(broaptName(1, 'text/plain', 'txt'), 'hello');
    for (const command of ['scan', 'watch']) {
      const result = await runCli([command], ws().env);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^broapt ${command}: .*api\\.yml:\\d+:\\d+: example: apps are not usable, so no file was taken:\\n  example .*YARA rules do not compile`, 's'));
      // The start-up gate runs the checks of `apps check`: the pdf app's missing program is named too.
      expect(result.stderr).toContain('application/pdf (api.yml line 13): `no-such-program-xyz "$BROAPT_PATH"` starts no-such-program-xyz, which is not on PATH');
    }
    expect(await ws().readLines('dump.log')).toEqual([]);
    expect(await ws().readLines('processed.jsonl')).toEqual([]);
  });

  it('list shows each pattern, its folder, runner and the files it would take', async () => {
    await ws().writeApi(`
example:
  report: ":"
application:
  pdf:
    report: ":"
  vnd.ms-*:
    report: ":"
`);
    await ws().addFile(broaptName(1), '%PDF');
    await ws().addFile(broaptName(2), '%PDF');
    await ws().addFile(broaptName(3, 'application/vnd.ms-excel', 'xls'), 'x');
    const result = await runCli(['apps', 'list'], ws().env);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^PATTERN\s+FOLDER\s+RUNNER\s+FILES\s+REPORT$/);
    expect(lines[1]).toMatch(/^application\/pdf\s+application\/pdf\s+host\s+2\s+:$/);
    expect(lines.find((l) => l.startsWith('application/vnd.ms-*'))).toMatch(/\s1\s+:$/);
    expect(lines.find((l) => l.startsWith('example'))).toMatch(/^example\s+example\s+host\s+0\s+:$/);
  });

  it('tells programs from shell syntax in a command', () => {
    expect(programOf('"$NODE" scan.ts')).toBe('$NODE');
    expect(programOf("'/usr/bin/yara' -C x")).toBe('/usr/bin/yara');
    expect(programOf('${PYTHON3} a.py')).toBe('${PYTHON3}');
    expect(programOf('n=$(grep -c x "$BROAPT_PATH"); test "$n" -gt 0')).toBeUndefined();
    expect(programOf('$(which sh) -c true')).toBeUndefined();
    expect(programOf('sha256sum "$BROAPT_PATH"')).toBe('sha256sum');
  });
});

describe('a check that hangs', () => {
  it('is killed with everything it started, and named', async () => {
    await ws().writeApi(`
example:
  timeout: 1
  check: sh -c 'sleep 30 & sleep 30'
  report: ":"
`);
    const started = Date.now();
    const result = await runCli(['apps', 'check'], ws().env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/check `sh -c 'sleep 30 & sleep 30'` did not finish within 1 s/);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
