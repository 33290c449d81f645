import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { broaptName, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

const API = `
environment:
  TOOL: reporter
example:
  report: echo "default saw $BROAPT_MIME"
application:
  pdf:
    environ:
      DEPTH: 2
    scripts:
      - echo "script one $DEPTH"
      - echo "script two"
    report: echo "$TOOL checked $BROAPT_PATH"
  vnd.ms-*:
    report: echo office
image:
  "*":
    report: exit 3
`;

describe('broapt scan', () => {
  it('runs the matched app for every file, records it, and writes the reference log layout', async () => {
    await ws().writeApi(API);
    const pdf = await ws().addFile(`application/pdf/${broaptName(1)}`);
    const xls = await ws().addFile(broaptName(2, 'application/vnd.ms-excel', 'xls', 'day1.office'));
    const txt = await ws().addFile(broaptName(3, 'text/plain', 'txt'));
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^3 files in [\d.]+ s \([\d.]+ files\/s\): 3 done, 0 failed, 0 skipped/);
    expect(result.stdout).toMatch(/application\/vnd\.ms-excel\s+1\s+0/);

    const records = await ws().records();
    const byPath = new Map(records.map((r) => [r.path, r]));
    expect(byPath.get(pdf)).toMatchObject({ fuid: 'F00000000000000001', protocol: 'HTTP', pcap: 'test', mime: 'application/pdf', app: 'application/pdf', matchedBy: 'exact', status: 'done' });
    expect(byPath.get(xls)).toMatchObject({ pcap: 'day1.office', mime: 'application/vnd.ms-excel', app: 'application/vnd.ms-*', matchedBy: 'glob' });
    expect(byPath.get(txt)).toMatchObject({ app: 'example', matchedBy: 'default' });
    const pdfCommands = byPath.get(pdf)!.commands as Array<Record<string, unknown>>;
    expect(pdfCommands.map((c) => `${c.phase}.${c.index}`)).toEqual(['scripts.1', 'scripts.2', 'report.1']);
    expect(pdfCommands[0]).toMatchObject({ exitCode: 0, signal: null, timedOut: false, attempts: 1 });
    expect(typeof pdfCommands[0]!.durationMs).toBe('number');

    expect((await ws().readLines('dump.log')).sort()).toEqual([pdf, xls, txt].sort());
    // Reference layout: <API_LOGS>/<mime>/<fuid>-<phase>.N, `example` for the default app.
    const apiLogs = path.join(ws().logs, 'api');
    const reportLog = await fs.readFile(path.join(apiLogs, 'application/pdf', 'F00000000000000001-report.1'), 'utf8');
    expect(reportLog).toContain(`reporter checked ${pdf}`);
    const headers = reportLog.split('\n').filter((l) => l.startsWith('# ')).map((l) => l.slice(2, l.indexOf(':')));
    expect(headers).toEqual(['open', 'cwd', 'env', 'args', 'exit', 'close']);
    expect(await fs.readFile(path.join(apiLogs, 'application/pdf', 'F00000000000000001-scripts.1'), 'utf8')).toContain('script one 2');
    expect(await fs.readFile(path.join(apiLogs, 'example', 'F00000000000000003-report.1'), 'utf8')).toContain('default saw text/plain');
  });

  it('exits 1 on failures, records the reason in fail.log, and does not retry them unless --retry-failed', async () => {
    await ws().writeApi(API);
    const gif = await ws().addFile(broaptName(4, 'image/gif', 'gif'));
    const first = await runCli(['scan', '--max-retry', '2'], ws().env);
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('0 done, 1 failed');
    expect(first.stdout).toContain(gif);
    const fail = (await ws().readLines('fail.log')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(fail).toHaveLength(1);
    expect(fail[0]).toMatchObject({ path: gif });
    expect(fail[0]!.reason).toMatch(/image\/\* report\.1 .* exited 3 after 2 attempts/);
    expect(typeof fail[0]!.time).toBe('string');

    const again = await runCli(['scan'], ws().env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^0 files/);

    const retried = await runCli(['scan', '--retry-failed', '--max-retry', '1'], ws().env);
    expect(retried.code).toBe(1);
    expect(retried.stdout).toContain('0 done, 1 failed');
  });

  it('retries a failing command and succeeds when a later attempt passes', async () => {
    const marker = path.join(ws().dir, 'first-attempt-done');
    await ws().writeApi(`
example:
  report: if [ -e "$MARK" ]; then echo second; else touch "$MARK"; exit 1; fi
`);
    await ws().addFile(broaptName(5, 'text/plain', 'txt'));
    const result = await runCli(['scan', '--max-retry', '3'], { ...ws().env, MARK: marker });
    expect(result.code).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ status: 'done' });
    expect((record!.commands as Array<Record<string, unknown>>)[0]).toMatchObject({ attempts: 2, exitCode: 0 });
  });

  it("runs one file's commands at a time per job, never interleaving two files' scripts", async () => {
    // Each worker already holds its next files: their commands must still wait for the running file's last one.
    const trace = path.join(ws().dir, 'trace');
    await ws().writeApi(`
example:
  scripts:
    - echo "start $BROAPT_PATH" >> "$TRACE"; sleep 0.05
    - echo "step $BROAPT_PATH" >> "$TRACE"
  report: echo "end $BROAPT_PATH" >> "$TRACE"
`);
    for (let i = 0; i < 8; i++) await ws().addFile(broaptName(40 + i, 'text/plain', 'txt'));
    const result = await runCli(['scan', '--jobs', '1'], { ...ws().env, TRACE: trace });
    expect(result.code).toBe(0);
    const lines = (await fs.readFile(trace, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(24);
    for (let i = 0; i < lines.length; i += 3) {
      const file = lines[i]!.slice('start '.length);
      expect(lines.slice(i, i + 3)).toEqual([`start ${file}`, `step ${file}`, `end ${file}`]);
    }
  });

  it('runs --jobs files at once and never more, with several lanes in one pool thread', async () => {
    // --jobs 3 makes one thread of three lanes (poolShape): the bound must hold inside the thread.
    const trace = path.join(ws().dir, 'trace');
    await ws().writeApi(`
example:
  report: echo "+" >> "$TRACE"; sleep 0.2; echo "-" >> "$TRACE"
`);
    for (let i = 0; i < 9; i++) await ws().addFile(broaptName(60 + i, 'text/plain', 'txt'));
    const result = await runCli(['scan', '--jobs', '3'], { ...ws().env, TRACE: trace });
    expect(result.code).toBe(0);
    let running = 0;
    let most = 0;
    for (const mark of (await fs.readFile(trace, 'utf8')).trimEnd().split('\n')) {
      running += mark === '+' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(3);
  });

  it('fails a file whose command hangs past its timeout, without hanging the run', async () => {
    await ws().writeApi(`
example:
  timeout: 0.5
  report: sleep 30
`);
    await ws().addFile(broaptName(6, 'text/plain', 'txt'));
    const started = Date.now();
    const result = await runCli(['scan', '--max-retry', '1'], ws().env);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(result.code).toBe(1);
    const [record] = await ws().records();
    expect((record!.commands as Array<Record<string, unknown>>)[0]).toMatchObject({ timedOut: true });
    expect(record!.reason).toMatch(/timed out/);
  });

  it('fails a remote app whose daemon is misconfigured with a clear message', async () => {
    await ws().writeApi(`
example:
  report: "true"
application:
  pdf:
    remote: true
    report: "true"
`);
    await ws().addFile(broaptName(7));
    const result = await runCli(['scan'], { ...ws().env, BROAPT_NAME_PORT: 'http' });
    expect(result.code).toBe(1);
    const [failure] = (await ws().readLines('fail.log')).map((l) => JSON.parse(l) as { reason: string });
    expect(failure!.reason).toMatch(/application\/pdf is remote, and BROAPT_NAME_PORT="http" is not a port/);
  });

  it('refuses a broken api.yml with file, line and key, exit 2 and no stack trace', async () => {
    await ws().writeApi(`example:\n  report: "true"\napplication:\n  pdf:\n    scripts: [echo]\n`);
    await ws().addFile(broaptName(8));
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path.join(ws().api, 'api.yml'));
    expect(result.stderr).toMatch(/:4:\d+/);
    expect(result.stderr).toContain('application.pdf');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await ws().readLines('dump.log')).toEqual([]);
  });

  it('explains flag and variable mistakes plainly', async () => {
    const bad = await runCli(['scan', '--jobs', 'many'], ws().env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--jobs="many" is not valid');
    const unknown = await runCli(['scan', '--frobnicate'], ws().env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'.*\n.*broapt scan --help/);
    const badLevel = await runCli(['scan', '--log-level', 'loud'], ws().env);
    expect(badLevel.code).toBe(2);
    expect(badLevel.stderr).toBe('broapt scan: log level "loud" is not one of trace, debug, info, warn, error, fatal, silent: fix --log-level or BROAPT_LOG_LEVEL.\n');
    const envBad = await runCli(['scan'], { ...ws().env, BROAPT_MAX_RETRY: '0' });
    expect(envBad.stderr).toContain('BROAPT_MAX_RETRY="0" is not valid');
    const missing = path.join(ws().dir, 'no-such-dump');
    const noInput = await runCli(['scan'], { ...ws().env, BROAPT_DUMP_PATH: missing });
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toBe(`broapt scan: ${missing} does not exist. Give the file or folder to analyse, or point at the dump folder with --dump-path or BROAPT_DUMP_PATH.\n`);
    const watchFile = await runCli(['watch', await ws().addFile('a-file')], ws().env);
    expect(watchFile.code).toBe(2);
    expect(watchFile.stderr).toContain('is not a folder');
    // Nothing was opened or written for a refused run.
    await expect(fs.access(ws().logs)).rejects.toThrow();
  });
});

describe('start-up checks', () => {
  it('refuses to start when an app working directory is missing, naming each one', async () => {
    await ws().writeApi(`example:\n  report: "true"\napplication:\n  pdf:\n    workdir: pdf-tools\n    report: "true"\n`, { workdirs: false });
    await ws().addFile(broaptName(9));
    const result = await runCli(['scan'], ws().env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('working directory does not exist');
    expect(result.stderr).toContain(`application/pdf (api.yml line 4): working directory ${path.join(ws().api, 'application', 'pdf', 'pdf-tools')} does not exist`);
    expect(result.stderr).toContain('mkdir -p');
    expect(await ws().records()).toEqual([]);
  });
});
