import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eicar, zipOf } from '../../source/demo/samples.ts';
import { tool } from '../lib/tools.ts';
import { ClamAv } from './clamav.ts';
import { createScanner, mimeFindings, systemClamDatabases } from './scan.ts';
import { parseYaraOutput, YaraCli } from './yara.ts';

const SCAN = fileURLToPath(new URL('scan.ts', import.meta.url));
const TESTFILES = '/usr/share/clamav-testfiles';
let dir: string;
const file = (name: string, content: string | Buffer) => {
  const target = path.join(dir, name);
  fs.writeFileSync(target, content);
  return target;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-scan-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A cache folder of its own, so the test sees its own compile. */
const env = () => ({ ...process.env, XDG_CACHE_HOME: path.join(dir, 'cache') });

describe('generic scan app', () => {
  it('finds EICAR plain, zipped and zipped twice, and leaves plain text clean', async () => {
    const scanner = createScanner(env());
    await scanner.prepare();
    const plain = await scanner.analyse(file('eicar.com', eicar()), 'text/plain');
    expect(plain.verdict).toBe('malicious');
    expect(plain.findings.map((f) => f.rule)).toEqual(['yara.eicar_test_file', 'clamav.Broapt.Test.EICAR.UNOFFICIAL']);
    expect(plain.details).toMatchObject({ size: 68, md5: '44d88612fea8a8f36de82e1278abb02f', realMime: 'text/plain' });
    const zipped = zipOf([['eicar.com', eicar()]]);
    for (const archive of [file('eicar.zip', zipped), file('eicar2.zip', zipOf([['inner.zip', zipped]]))]) {
      const report = await scanner.analyse(archive, 'application/zip');
      expect(report.verdict).toBe('malicious');
      expect(report.findings.map((f) => f.rule)).toContain('clamav.Broapt.Test.EICAR.UNOFFICIAL');
    }
    const text = await scanner.analyse(file('hello.txt', 'hello, world\n'), 'text/plain');
    expect(text).toMatchObject({ verdict: 'clean', score: 0, findings: [] });
  });

  it('flags an executable delivered as an image', async () => {
    const elf = file('true.gif', fs.readFileSync('/usr/bin/true'));
    const report = await createScanner(env()).analyse(elf, 'image/gif');
    expect(report.verdict).toBe('suspicious');
    expect(report.findings[0]).toMatchObject({ rule: 'mime.executable-disguised', severity: 'medium' });
    expect(mimeFindings('text/plain', 'text/x-c')).toEqual([{ rule: 'mime.mismatch', description: 'content is text/x-c, Zeek said text/plain', severity: 'info' }]);
  });

  it("takes Zeek's and libmagic's names of one type as no mismatch", () => {
    expect(mimeFindings('application/x-executable', 'application/x-pie-executable')).toEqual([]);
    expect(mimeFindings('application/x-dosexec', 'application/vnd.microsoft.portable-executable')).toEqual([]);
    expect(mimeFindings('application/gzip', 'application/x-gzip')).toEqual([]);
  });

  it("detects every ClamAV test file of Debian's clamav-testfiles with the shipped database, in one clamscan call", async () => {
    const files = fs.readdirSync(TESTFILES).map((name) => path.join(TESTFILES, name));
    expect(files.length).toBeGreaterThan(40);
    const found = await new ClamAv({ databases: [fileURLToPath(new URL('clamav/broapt.hdb', import.meta.url))] }).scan(files);
    const missed = [...found].filter(([, findings]) => findings.length === 0).map(([name]) => name);
    expect(missed).toEqual([]);
  });

  it('compiles the rules once into a cache file for the CLI, and reports rules that do not compile', async () => {
    const scanner = createScanner({ ...env(), SCAN_YARA_ENGINE: 'cli' });
    await scanner.prepare();
    const cache = path.join(dir, 'cache');
    const [compiled] = fs.readdirSync(fs.readdirSync(cache).map((name) => path.join(cache, name))[0]!);
    expect(compiled).toMatch(/^[0-9a-f]{32}\.yarc$/);
    const bad = file('bad.yar', 'rule broken { condition: nosuchthing }');
    const broken = createScanner({ ...env(), SCAN_YARA_RULES: bad, SCAN_CLAMAV_DB: 'off' });
    const problems = await broken.check();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/YARA rules do not compile .*bad\.yar.*nosuchthing/s);
    const cli = await tool(process.execPath, [SCAN, '--check']);
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringMatching(/^yara: yara in-process \(YARA-X, @litko\/yara-x-linux-x64-gnu\)\nclamav: (?:clamscan|clamd at) .*\nscan: ok\n$/) });
    const failing = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [SCAN, '--check'], { env: { ...env(), SCAN_CLAMAV_DB: path.join(dir, 'missing.ndb') } }).on('close', resolve),
    );
    expect(failing).toBe(1);
  });

  it('parses yara -m output, whatever the file name holds', () => {
    const name = '/tmp/a [b] "c"';
    expect(parseYaraOutput(`r1 [severity="high",description="say \\"hi\\", ok"] ${name}\nr2 [] ${name}\n`, name)).toEqual([
      { rule: 'yara.r1', description: 'say "hi", ok', severity: 'high' },
      { rule: 'yara.r2', description: '', severity: 'medium' },
    ]);
  });

  it('serves many files from one warm process, and writes $BROAPT_REPORT in one-shot mode', async () => {
    const eicarFile = file('w-eicar', eicar());
    const text = file('w-text', 'plain words\n');
    const child = spawn(process.execPath, [SCAN], { env: { ...env(), BROAPT_WARM: '1' }, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    for (const p of [eicarFile, text, path.join(dir, 'missing')]) child.stdin.write(`${JSON.stringify({ path: p, mime: 'text/plain', report: '' })}\n`);
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
    const reports = out.trim().split('\n').map((line) => JSON.parse(line) as { verdict: string; findings: Array<{ rule: string }> });
    expect(reports.map((r) => r.verdict)).toEqual(['malicious', 'clean', 'unknown']);
    expect(reports[2]!.findings[0]!.rule).toBe('scan.error');

    const reportFile = path.join(dir, 'one-shot.json');
    const oneShot = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [SCAN], { env: { ...env(), BROAPT_PATH: eicarFile, BROAPT_MIME: 'text/plain', BROAPT_REPORT: reportFile } }).on('close', resolve),
    );
    expect(oneShot).toBe(0);
    expect(JSON.parse(fs.readFileSync(reportFile, 'utf8'))).toMatchObject({ app: 'scan', verdict: 'malicious', details: { md5: '44d88612fea8a8f36de82e1278abb02f' } });
  });
});

describe('rules from outside', () => {
  const rulesDir = () => {
    const folder = fs.mkdtempSync(path.join(dir, 'rules-'));
    fs.writeFileSync(path.join(folder, 'externals.yar'), 'rule lure_name { meta: severity = "medium" condition: extension == ".scr" and filename matches /invoice/i and filetype == "EXE" and owner == "" }\n');
    return folder;
  };
  const noClam = (extra: NodeJS.ProcessEnv) => ({ ...env(), SCAN_CLAMAV_DB: 'off', ...extra });

  it('gives rules the filename, extension and filetype externals public rulesets test', async () => {
    const scanner = createScanner(noClam({ SCAN_YARA_RULES: rulesDir() }));
    expect(await scanner.check()).toEqual([]);
    const hit = await scanner.analyse(file('Invoice 0420.scr', 'MZ not really a program'), 'application/octet-stream');
    expect(hit.findings.map((f) => f.rule)).toContain('yara.lure_name');
    const miss = await scanner.analyse(file('invoice.txt', 'MZ not really a program'), 'text/plain');
    expect(miss.findings.map((f) => f.rule)).not.toContain('yara.lure_name');
    // A numeric name must not clash with the string type the rules were compiled with.
    expect((await scanner.analyse(file('2065.18', 'MZ'), '')).verdict).toBe('clean');
  });

  it('skips rule files that do not compile in skip mode, one line each, and fails without it', async () => {
    const folder = rulesDir();
    fs.writeFileSync(path.join(folder, 'broken.yar'), 'rule broken { condition: nosuchthing }\n');
    expect((await createScanner(noClam({ SCAN_YARA_RULES: folder })).check())[0]).toMatch(/do not compile.*nosuchthing/s);
    const lines: string[] = [];
    const yara = new YaraCli({ rules: [folder], cacheDir: path.join(dir, 'cache'), skipBroken: true, warn: (line) => lines.push(line) });
    expect(await yara.files()).toEqual([path.join(folder, 'externals.yar')]);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^yara: skipped ${path.join(folder, 'broken.yar')}: .*nosuchthing`))]);
    const skipping = createScanner(noClam({ SCAN_YARA_RULES: folder, SCAN_YARA_SKIP_BROKEN: '1' }));
    expect(await skipping.check()).toEqual([]);
  });

  it('--check fails when no rule file loads, even in skip mode', async () => {
    const only = file('only-broken.yar', 'rule broken { condition: nosuchthing }\n');
    const code = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [SCAN, '--check'], { env: noClam({ SCAN_YARA_RULES: only, SCAN_YARA_SKIP_BROKEN: '1' }), stdio: 'ignore' }).on('close', resolve),
    );
    expect(code).toBe(1);
  });

  it("takes the system's ClamAV databases only when freshclam filled the folder", () => {
    const folder = fs.mkdtempSync(path.join(dir, 'clamdb-'));
    expect(systemClamDatabases(folder)).toEqual([]);
    expect(systemClamDatabases(path.join(folder, 'missing'))).toEqual([]);
    fs.writeFileSync(path.join(folder, 'daily.cld'), '');
    expect(systemClamDatabases(folder)).toEqual([folder]);
  });
});
