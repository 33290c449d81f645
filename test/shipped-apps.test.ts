import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { matchApp, missingWorkdirs } from '../source/api/match.ts';
import { eicar } from '../source/demo/samples.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { makeEntry } from '../source/entry/make-entry.ts';
import { SHIPPED_API_ROOT } from '../source/settings.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

const SCAN = '"$NODE" ../example/scan.ts';

/** File type → the app the shipped api.yml picks: key, how it matched, folder, the commands' scripts (the generic scan) and report. */
const ASSIGNMENTS: Array<[mime: string, key: string, matchedBy: string, folder: string, report: string]> = [
  ['application/x-dosexec', 'application/x-dosexec', 'exact', 'pe', '"$NODE" pe.ts'],
  ['application/vnd.microsoft.portable-executable', 'application/vnd.microsoft.portable-executable', 'exact', 'pe', '"$NODE" pe.ts'],
  ['application/x-msdownload', 'application/x-msdownload', 'exact', 'pe', '"$NODE" pe.ts'],
  ['application/x-executable', 'application/x-executable', 'exact', 'elf', '"$NODE" elf.ts'],
  ['application/x-sharedlib', 'application/x-sharedlib', 'exact', 'elf', '"$NODE" elf.ts'],
  ['application/x-pie-executable', 'application/x-pie-executable', 'exact', 'elf', '"$NODE" elf.ts'],
  ['application/pdf', 'application/pdf', 'exact', 'pdf', '"$NODE" pdf.ts'],
  ['application/msword', 'application/msword', 'exact', 'office', '"$NODE" office.ts'],
  ['application/vnd.ms-excel', 'application/vnd.ms-excel', 'exact', 'office', '"$NODE" office.ts'],
  ['application/vnd.ms-powerpoint', 'application/vnd.ms-powerpoint', 'exact', 'office', '"$NODE" office.ts'],
  ['application/vnd.ms-office', 'application/vnd.ms-office*', 'glob', 'office', '"$NODE" office.ts'],
  ['application/vnd.ms-excel.sheet.macroenabled.12', 'application/vnd.ms-excel.*', 'glob', 'office', '"$NODE" office.ts'],
  ['application/vnd.ms-word.document.macroenabled.12', 'application/vnd.ms-word*', 'glob', 'office', '"$NODE" office.ts'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.*', 'glob', 'office', '"$NODE" office.ts'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.*', 'glob', 'office', '"$NODE" office.ts'],
  ['application/x-cfb', 'application/x-cfb', 'exact', 'office', '"$NODE" office.ts'],
  ['application/javascript', 'application/javascript', 'exact', 'script', '"$NODE" script.ts'],
  ['text/javascript', 'text/javascript', 'exact', 'script', '"$NODE" script.ts'],
  ['text/html', 'text/html', 'exact', 'script', '"$NODE" script.ts'],
  ['application/zip', 'application/zip', 'exact', 'archive', '"$NODE" archive.ts'],
  ['application/gzip', 'application/gzip', 'exact', 'archive', '"$NODE" archive.ts'],
  ['application/x-7z-compressed', 'application/x-7z-compressed', 'exact', 'archive', '"$NODE" archive.ts'],
  ['application/x-tar', 'application/x-tar', 'exact', 'archive', '"$NODE" archive.ts'],
  ['application/x-bzip2', 'application/x-bzip2', 'exact', 'archive', '"$NODE" archive.ts'],
  ['application/java-archive', 'example', 'default', 'example', '"$NODE" scan.ts'],
  ['text/plain', 'example', 'default', 'example', '"$NODE" scan.ts'],
  ['image/gif', 'example', 'default', 'example', '"$NODE" scan.ts'],
  ['application/octet-stream', 'example', 'default', 'example', '"$NODE" scan.ts'],
];

/** Real files (the shared fixtures, under their own names: MIME from content) → the app the shipped api.yml gives them, as Strelka's scanner-assignment test does. */
const FILE_ASSIGNMENTS: Array<[file: string, mime: string, app: string]> = [
  ['eicar/eicar.txt', 'text/plain', 'example'],
  ['file-type/fixture.bz2', 'application/x-bzip2', 'application/x-bzip2'],
  ['file-type/fixture.class', 'application/java-vm', 'example'],
  ['file-type/fixture.png', 'image/png', 'example'],
  ['file-type/fixture.tar.gz', 'application/gzip', 'application/gzip'],
  ['file-type/fixture.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.*'],
  ['strelka/test.7z', 'application/x-7z-compressed', 'application/x-7z-compressed'],
  ['strelka/test.der', 'application/octet-stream', 'example'],
  ['strelka/test.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.*'],
  ['strelka/test.elf', 'application/x-elf', 'application/x-elf'],
  ['strelka/test.eml', 'message/rfc822', 'example'],
  ['strelka/test.exe', 'application/x-msdownload', 'application/x-msdownload'],
  ['strelka/test.gif', 'image/gif', 'example'],
  ['strelka/test.gz', 'application/gzip', 'application/gzip'],
  ['strelka/test.html', 'text/html', 'text/html'],
  ['strelka/test.jpg', 'image/jpeg', 'example'],
  ['strelka/test.js', 'application/javascript', 'application/javascript'],
  ['strelka/test.lnk', 'application/x.ms.shortcut', 'example'],
  ['strelka/test.macho', 'application/x-mach-binary', 'example'],
  ['strelka/test.pdf', 'application/pdf', 'application/pdf'],
  ['strelka/test.tar', 'application/x-tar', 'application/x-tar'],
  ['strelka/test.xml', 'application/xml', 'example'],
  ['strelka/test.zip', 'application/zip', 'application/zip'],
];

describe('the shipped apps/api.yml', () => {
  it('assigns each real sample file its app', async (context) => {
    const fixtures = requireFixtures(context);
    const config = await loadApiConfig(SHIPPED_API_ROOT, { defaultTimeoutMs: 1000 });
    const table = [];
    for (const [file] of FILE_ASSIGNMENTS) {
      const entry = await makeEntry(path.join(fixtures, 'samples', file));
      table.push([file, entry.mime.name, matchApp(config, entry.mime).app.key]);
    }
    expect(table).toEqual(FILE_ASSIGNMENTS);
  });

  it('assigns each file type its app, with the generic scan before every type-specific report', async () => {
    const config = await loadApiConfig(SHIPPED_API_ROOT, { defaultTimeoutMs: 1000 });
    expect(await missingWorkdirs(config)).toEqual([]);
    const table = ASSIGNMENTS.map(([mime]) => {
      const { app, reason, workdir } = matchApp(config, mimeOf(mime));
      return [mime, app.key, reason, path.relative(SHIPPED_API_ROOT, workdir), app.report] as const;
    });
    expect(table).toEqual(ASSIGNMENTS);
    for (const app of config.apps) expect(app.scripts).toEqual([SCAN]);
    expect(new Set(config.apps.filter((app) => app.workdir.endsWith('/office')).map((app) => app.shared))).toEqual(new Set(['office']));
    expect(config.example).toMatchObject({ scripts: [], check: ['"$NODE" scan.ts --check'] });
    expect(config.example.environ.NODE).toBe(process.execPath);
  });

  it('runs the generic scan on a file no type app takes, and records its verdict', async () => {
    const env = { ...ws().env, BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws().dir, 'cache') };
    const file = await ws().addFile(broaptName(1, 'text/plain', 'txt'), eicar());
    const result = await runCli(['scan', '--jobs', '1'], env);
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ path: file, app: 'example', verdict: 'malicious', score: 80, realMime: 'text/plain', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' });
    expect((record!.findings as Array<{ rule: string; app: string }>).map((f) => `${f.app}:${f.rule}`)).toEqual(['scan:yara.eicar_test_file', 'scan:clamav.Broapt.Test.EICAR.UNOFFICIAL']);
    expect(await fs.readFile(path.join(ws().logs, 'broapt.log'), 'utf8')).toContain('\tmalicious\t80\tyara.eicar_test_file,clamav.Broapt.Test.EICAR.UNOFFICIAL\t');
  });
});
