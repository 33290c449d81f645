import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceFailedPath } from '../source/history/reference-fail-line.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { broaptName, runCli, startCli, useWorkspace, waitFor } from './helpers/workspace.ts';

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

describe('the reference logs', () => {
  it('skips the files an old fail.log lists as Python tuples', async () => {
    await ws().writeApi(API);
    const quoted = await ws().addFile(broaptName(1, 'text/plain', 'txt'));
    const withQuote = await ws().addFile("it's \\ here.txt");
    const fresh = await ws().addFile(broaptName(3, 'text/plain', 'txt'));
    await fs.mkdir(ws().logs, { recursive: true });
    // What `print((path, error), file=...)` wrote: repr() picks double quotes for a string holding a single one.
    await fs.writeFile(path.join(ws().logs, 'fail.log'), `('${quoted}', 'exit 1')\n("${withQuote.replaceAll('\\', '\\\\')}", 'timed out')\n`);
    const result = await runCli(['scan'], ws().env);
    expect(result.stdout).toMatch(/^1 file .*: 1 done, 0 failed, 2 skipped \(2 already processed\)\n/);
    expect((await ws().records()).map((record) => record.path)).toEqual([fresh]);
    const retried = await runCli(['scan', '--retry-failed'], ws().env);
    expect(retried.stdout).toMatch(/: 2 done, 0 failed/);
  });

  it("reads Python's escapes in a tuple line, and nothing from a torn or foreign one", () => {
    expect(referenceFailedPath(String.raw`('/dump/caf\xe9 \u4e2d\U0001f4c4\n\t\\x.txt', 'e')`)).toBe('/dump/café 中📄\n\t\\x.txt');
    expect(referenceFailedPath(`(u'/dump/py2.exe', u'e')`)).toBe('/dump/py2.exe');
    expect(referenceFailedPath(String.raw`("/dump/it's.txt", 'e')`)).toBe("/dump/it's.txt");
    expect(referenceFailedPath(`('/dump/torn`)).toBeUndefined();
    expect(referenceFailedPath(String.raw`('/dump/bad\xZZ', 'e')`)).toBeUndefined();
    expect(referenceFailedPath(`(42, 'e')`)).toBeUndefined();
  });

  it('skips the captures the reference lists in <LOGS_PATH>/file.log', async (context) => {
    const fixtures = requireFixtures(context);
    await ws().writeApi(API);
    const pcap = path.join(ws().dir, 'get.pcap');
    await fs.copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'), pcap);
    await fs.mkdir(ws().logs, { recursive: true });
    await fs.writeFile(path.join(ws().logs, 'file.log'), `${pcap}\n`);
    const result = await runCli(['run', '--engine', 'tshark', pcap], { ...ws().env, BROAPT_LOG_LEVEL: 'info' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"alreadyProcessed":1');
    expect(await ws().readLines('dump.log')).toEqual([]);
  });

  it('watch-pcaps without DIR watches BROAPT_PCAP_PATH', async (context) => {
    const fixtures = requireFixtures(context);
    await ws().writeApi(API);
    const folder = path.join(ws().dir, 'captures');
    await fs.mkdir(folder);
    await fs.copyFile(path.join(fixtures, 'pcaps/zeek-btest-traces/http/get.pcap'), path.join(folder, 'get.pcap'));
    const cli = startCli(['watch-pcaps', '--engine', 'tshark', '--settle-time', '0.1'], { ...ws().env, BROAPT_PCAP_PATH: folder });
    try {
      await waitFor(async () => (await ws().readLines('processed_pcaps.log' as 'dump.log')).length === 1, 20_000, 'the capture in BROAPT_PCAP_PATH');
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect((await cli.done).code).toBe(0);
  });

  it('takes BROAPT_TIMEOUT as a duration, as api.yml takes `timeout`', async () => {
    await ws().writeApi(`
example:
  report: sleep 5
`);
    await ws().addFile(broaptName(1, 'text/plain', 'txt'));
    const result = await runCli(['scan', '--max-retry', '1'], { ...ws().env, BROAPT_TIMEOUT: '300ms' });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('timed out after 1 attempt');
  });
});
