import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '../source/api/load.ts';
import { missingWorkdirs } from '../source/apps/check.ts';
import { matchApp } from '../source/api/match.ts';
import { eicar } from '../source/demo/samples.ts';
import { mimeOf } from '../source/entry/entry.ts';
import { makeEntry } from '../source/entry/make-entry.ts';
import { SHIPPED_API_ROOT } from '../source/settings.ts';
import { requireFixtures } from './helpers/fixtures.ts';
import { broaptName, problems, runCli, useWorkspace } from './helpers/workspace.ts';

const ws = useWorkspace();

/** File type → the api.yml key the shipped api.yml picks and how it matched; every key runs the one shipped analyzer. */
const ASSIGNMENTS: Array<[mime: string, key: string, matchedBy: string]> = [
  ['application/x-dosexec', 'application/x-dosexec', 'exact'],
  ['application/vnd.microsoft.portable-executable', 'application/vnd.microsoft.portable-executable', 'exact'],
  ['application/x-msdownload', 'application/x-msdownload', 'exact'],
  ['application/x-executable', 'application/x-executable', 'exact'],
  ['application/x-sharedlib', 'application/x-sharedlib', 'exact'],
  ['application/x-pie-executable', 'application/x-pie-executable', 'exact'],
  ['application/pdf', 'application/pdf', 'exact'],
  ['application/msword', 'application/msword', 'exact'],
  ['application/vnd.ms-excel', 'application/vnd.ms-excel', 'exact'],
  ['application/vnd.ms-powerpoint', 'application/vnd.ms-powerpoint', 'exact'],
  ['application/vnd.ms-office', 'application/vnd.ms-office*', 'glob'],
  ['application/vnd.ms-excel.sheet.macroenabled.12', 'application/vnd.ms-excel.*', 'glob'],
  ['application/vnd.ms-word.document.macroenabled.12', 'application/vnd.ms-word*', 'glob'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.*', 'glob'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.*', 'glob'],
  ['application/x-cfb', 'application/x-cfb', 'exact'],
  ['application/javascript', 'application/javascript', 'exact'],
  ['text/javascript', 'text/javascript', 'exact'],
  ['text/html', 'text/html', 'exact'],
  ['application/zip', 'application/zip', 'exact'],
  ['application/gzip', 'application/gzip', 'exact'],
  ['application/x-7z-compressed', 'application/x-7z-compressed', 'exact'],
  ['application/x-tar', 'application/x-tar', 'exact'],
  ['application/x-bzip2', 'application/x-bzip2', 'exact'],
  ['application/java-archive', 'application/java-archive', 'exact'],
  ['text/plain', 'text/plain', 'exact'],
  ['image/gif', 'example', 'default'],
  ['application/octet-stream', 'example', 'default'],
];

/** Real files (the shared fixtures, under their own names: MIME from content) → the app the shipped api.yml gives them, as Strelka's scanner-assignment test does. */
const FILE_ASSIGNMENTS: Array<[file: string, mime: string, app: string]> = [
  ['eicar/eicar.txt', 'text/plain', 'text/plain'],
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

  it('assigns each file type a key, and every key runs the one warm shipped analyzer', async () => {
    const config = await loadApiConfig(SHIPPED_API_ROOT, { defaultTimeoutMs: 1000 });
    expect(missingWorkdirs(config)).toEqual([]);
    expect(ASSIGNMENTS.map(([mime]) => {
      const { app, reason } = matchApp(config, mimeOf(mime));
      return [mime, app.key, reason];
    })).toEqual(ASSIGNMENTS);
    for (const app of [config.example, ...config.apps]) {
      expect(app).toMatchObject({ scripts: [], report: 'exec "$NODE" analyse.ts', limits: { memory: 4 * 2 ** 30 }, warm: true, check: ['"$NODE" analyse.ts --check'] });
      expect(path.relative(SHIPPED_API_ROOT, app.workdir)).toBe('shipped');
    }
    expect(config.example.environ.NODE).toBe(process.execPath);
  });

  it('runs the generic scan on a file no type analyzer takes, and records its verdict', async () => {
    const env = { ...ws().env, BROAPT_API_ROOT: '', XDG_CACHE_HOME: path.join(ws().dir, 'cache') };
    const file = await ws().addFile(broaptName(1, 'text/plain', 'txt'), eicar());
    const result = await runCli(['scan', '--jobs', '1'], env);
    expect(problems(result.stderr)).toBe('');
    expect(result.code).toBe(0);
    const [record] = await ws().records();
    expect(record).toMatchObject({ path: file, app: 'text/plain', verdict: 'malicious', score: 80, realMime: 'text/plain', sha256: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' });
    expect((record!.findings as Array<{ rule: string; app: string }>).map((f) => `${f.app}:${f.rule}`)).toEqual(['broapt:yara.eicar_test_file', 'broapt:clamav.Broapt.Test.EICAR.UNOFFICIAL']);
    expect(await fs.readFile(path.join(ws().logs, 'broapt.log'), 'utf8')).toContain('\tmalicious\t80\tyara.eicar_test_file,clamav.Broapt.Test.EICAR.UNOFFICIAL\t');
  });
});
