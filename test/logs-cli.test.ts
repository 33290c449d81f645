import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { requireFixtures } from './helpers/fixtures.ts';
import { runCli } from './helpers/workspace.ts';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

const HTTP_GET = 'zeek-logs/tsv/zeek-3.3.0-dev-btest/http-get/files.log';
const INFECTED = 'zeek-logs/tsv/bro-2.5-infectedpcap';

describe('broapt logs process', () => {
  test('runs built-ins and sites hooks; a throwing hook is reported, the others still write, exit 1', async (context) => {
    const fixtures = requireFixtures(context);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-logs-'));
    const dir = path.join(tmp, 'pcap');
    const sites = path.join(tmp, 'sites');
    await mkdir(dir);
    await mkdir(sites);
    for (const log of ['files.log', 'conn.log', 'http.log']) await copyFile(path.join(fixtures, INFECTED, log), path.join(dir, log));
    await writeFile(path.join(sites, 'a-broken.mjs'), `export default { name: 'broken', hook() { throw new Error('no luck'); } };\n`);
    await writeFile(
      path.join(sites, 'b-count.ts'),
      `import { writeFile } from 'node:fs/promises';\nimport path from 'node:path';\n` +
        `export default {\n  name: 'count',\n  async hook(logDir: string) {\n    const out = path.join(logDir, 'count.txt');\n    await writeFile(out, 'seen');\n    return [out];\n  },\n  exit() { return []; },\n};\n`,
    );
    const result = await runCli(['logs', 'process', dir, '--sites', sites, '--dump-path', path.join(fixtures, 'extracted/bro-2.5-infectedpcap')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`hook "broken" failed on ${dir}: no luck`);
    expect(result.stdout.split('\n')).toEqual([
      `extracted-files: wrote ${path.join(dir, 'extracted_files.log')}`,
      `http-connections: wrote ${path.join(dir, 'http_connections.log')}`,
      `count: wrote ${path.join(dir, 'count.txt')}`,
      'count (exit): nothing to write',
      '',
    ]);
    expect(await readFile(path.join(dir, 'count.txt'), 'utf8')).toBe('seen');
    expect(existsSync(path.join(dir, 'extracted_files.log'))).toBe(true);
  });

  test('exit 0 when every hook succeeds; 2 without a folder', async (context) => {
    const fixtures = requireFixtures(context);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-logs-'));
    await copyFile(path.join(fixtures, HTTP_GET), path.join(tmp, 'files.log'));
    const ok = await runCli(['logs', 'process', tmp, '--dump-path', tmp]);
    expect([ok.code, ok.stdout]).toEqual([0, `extracted-files: wrote ${path.join(tmp, 'extracted_files.log')}\nhttp-connections: nothing to write\n`]);
    const usage = await runCli(['logs', 'process']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give exactly one LOG_DIR');
  });
});

describe('broapt logs cat', () => {
  test('tsv without --fields prints the record lines exactly as the log holds them', async (context) => {
    const fixtures = requireFixtures(context);
    const file = path.join(fixtures, INFECTED, 'files.log');
    const result = await runCli(['logs', 'cat', file]);
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${lines.join('\n')}\n`);
  });

  test('tsv with --fields and --header', async (context) => {
    const fixtures = requireFixtures(context);
    const result = await runCli(['logs', 'cat', path.join(fixtures, HTTP_GET), '--fields', 'ts,fuid,tx_hosts,filename,is_orig', '--header']);
    expect(result.stdout).toBe('ts\tfuid\ttx_hosts\tfilename\tis_orig\n1362692527.009512\tFMnxxt3xjVcWNS2141\t192.150.187.43\t-\tF\n');
  });

  test('json as Zeek writes it: unset fields left out, sets as arrays', async (context) => {
    const fixtures = requireFixtures(context);
    const result = await runCli(['logs', 'cat', path.join(fixtures, HTTP_GET), '--format', 'json', '--fields', 'ts,fuid,tx_hosts,analyzers,filename,is_orig,seen_bytes']);
    expect(result.stdout).toBe(
      '{"ts":1362692527.009512,"fuid":"FMnxxt3xjVcWNS2141","tx_hosts":["192.150.187.43"],"analyzers":["SHA256","EXTRACT","SHA1","MD5","DATA_EVENT"],"is_orig":false,"seen_bytes":4705}\n',
    );
  });

  test('csv: header row and RFC 4180 quoting', async (context) => {
    const fixtures = requireFixtures(context);
    const result = await runCli(['logs', 'cat', path.join(fixtures, INFECTED, 'files.log'), '--format', 'csv', '--fields', 'ts,fuid,tx_hosts,analyzers']);
    expect(result.stdout.split('\r\n').slice(0, 3)).toEqual([
      'ts,fuid,tx_hosts,analyzers',
      '1268758221.268121,FQht07XoqizGCjvPi,59.53.91.102,EXTRACT',
      '1268758221.744665,FOXSw43hGklBYILWHh,65.55.195.250,"EXTRACT,MD5,SHA1,X509"',
    ]);
  });

  test('JSON logs too; an unknown field is an error that lists the available ones', async (context) => {
    const fixtures = requireFixtures(context);
    const file = path.join(fixtures, 'zeek-logs/json/zeek-3.2.4-zat/http.log');
    const ok = await runCli(['logs', 'cat', file, '--fields', 'uid,id.resp_p,tags']);
    expect(ok.stdout.split('\n')[0]).toBe('Ctole83bPCuBlM7Xlk\t80\t(empty)');
    const tsv = await runCli(['logs', 'cat', path.join(fixtures, HTTP_GET), '--fields', 'fuid,nope']);
    expect(tsv.code).toBe(2);
    expect(tsv.stderr).toContain('no field "nope"; available: ts, fuid, tx_hosts, rx_hosts, conn_uids');
    const json = await runCli(['logs', 'cat', file, '--fields', 'uid,nope']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('no field "nope"; available: ts, uid, id.orig_h');
  });

  test('a malformed line: exit 2 with file:line, or skipped and counted with --lenient', async (context) => {
    const fixtures = requireFixtures(context);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'broapt-logs-'));
    const lines = (await readFile(path.join(fixtures, INFECTED, 'files.log'), 'utf8')).split('\n');
    // Line 10 is the second record; cut it short.
    lines[9] = lines[9]!.split('\t').slice(0, 5).join('\t');
    const broken = path.join(tmp, 'files.log');
    await writeFile(broken, lines.join('\n'));
    const strict = await runCli(['logs', 'cat', broken, '--fields', 'fuid']);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain(`${broken}:10: the line has 5 fields`);
    const lenient = await runCli(['logs', 'cat', broken, '--fields', 'fuid', '--lenient']);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout.split('\n')).toHaveLength(8);
    expect(lenient.stderr).toBe('skipped 1 malformed line(s)\n');
  });
});
