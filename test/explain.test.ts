import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

describe('broapt explain', () => {
  it('prints one JSON object per file with the parsed entry and the matched app, running nothing', async () => {
    await ws().writeApi(`
example:
  report: touch "$RAN"
application:
  vnd.ms-*:
    workdir: tools
    report: touch "$RAN"
`);
    const xls = await ws().addFile(broaptName(1, 'application/vnd.ms-excel', 'xls', 'day1.office'), Buffer.from('d0cf11e0a1b11ae1', 'hex'));
    const txt = await ws().addFile(broaptName(2, 'text/plain', 'txt'), 'hello');
    const ran = path.join(ws().dir, 'ran');
    const result = await runCli(['explain', '--json', xls, txt], { ...ws().env, RAN: ran });
    expect(result.code).toBe(0);
    const [a, b] = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ fuid: 'F00000000000000001', protocol: 'HTTP', pcap: 'day1.office', mime: 'application/vnd.ms-excel', extension: 'xls', app: 'application/vnd.ms-*', matchedBy: 'glob', runner: 'host' });
    expect(a!.workdir).toBe(path.join(ws().api, 'application', 'vnd.ms-*', 'tools'));
    expect(b).toMatchObject({ app: 'example', matchedBy: 'default', contentMime: 'text/plain', workdir: path.join(ws().api, 'example') });
    expect(b!.environment).toMatchObject({ BROAPT_PATH: txt, BROAPT_MIME: 'text/plain' });
    await expect(import('node:fs/promises').then((fs) => fs.access(ran))).rejects.toThrow();

    const text = await runCli(['explain', xls], { ...ws().env, RAN: ran });
    expect(text.stdout).toContain('first glob in file order that matches application/vnd.ms-excel');
  });
});

describe('broapt --help', () => {
  it('lists the commands and every setting with its variable', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    for (const command of ['scan', 'watch', 'explain', 'demo']) expect(main.stdout).toContain(command);
    const scan = await runCli(['scan', '--help']);
    for (const name of ['BROAPT_DUMP_PATH', 'BROAPT_API_ROOT', 'BROAPT_API_LOGS', 'BROAPT_LOGS_PATH', 'BROAPT_APP_CPU', 'BROAPT_SCAN_CPU', 'BROAPT_INTERVAL', 'BROAPT_APP_INTERVAL', 'BROAPT_MAX_RETRY', 'BROAPT_TIMEOUT', '--retry-failed']) {
      expect(scan.stdout).toContain(name);
    }
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });
});

describe('broapt demo', () => {
  it('runs the shipped apps on its samples and prints each verdict with its findings', async () => {
    const result = await runCli(['demo', '--dir', path.join(ws().dir, 'demo')]);
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    // 13 samples and the ZIP's member.
    expect(result.stdout).toMatch(/14 done, 0 failed/);
    expect(result.stdout).toMatch(/PDF that runs JavaScript on open\s+application\/pdf\s+SUSPICIOUS .*pdf\.javascript/);
    expect(result.stdout).toMatch(/plain PDF\s+application\/pdf\s+CLEAN/);
    expect(result.stdout).toMatch(/EICAR test file\s+text\/plain\s+MALICIOUS .*yara\.eicar_test_file/);
    expect(result.stdout).toMatch(/ELF executable served as a GIF\s+image\/gif\s+SUSPICIOUS mime\.executable-disguised/);
    expect(result.stdout).toMatch(/page with a hidden iframe\s+text\/html\s+SUSPICIOUS script\.html\.hidden-iframe/);
  });
});

describe('broapt demo folder', () => {
  it('refuses to empty a folder it did not make', async () => {
    const mine = await ws().addFile('precious.txt', 'keep me');
    const result = await runCli(['demo', '--dir', ws().dump]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not empty and was not made by broapt demo');
    expect(await import('node:fs/promises').then((fs) => fs.readFile(mine, 'utf8'))).toBe('keep me');
  });
});
