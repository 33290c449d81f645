import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eicar, zipOf } from '../../source/demo/samples.ts';
import { analyzerApp } from '../lib/run-app.ts';
import { createArchiveAnalyzer } from './archive.ts';
import { limitFindings, parseListing } from './listing.ts';

const createArchiveApp = (env: NodeJS.ProcessEnv) => analyzerApp(createArchiveAnalyzer(env));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-archive-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const write = (name: string, bytes: Buffer | string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  return file;
};

describe('archive app', () => {
  it('unpacks members into the children folder and names them', async () => {
    const zip = write('two.zip', zipOf([['a.txt', 'alpha'], ['sub/b.bin', eicar()]]));
    const report = await createArchiveApp({}).analyse(zip, 'application/zip', path.join(dir, 'two-report.1.json'));
    expect(report).toMatchObject({ verdict: 'clean', details: { members: 2, unpackedBytes: 73 } });
    expect(report.details.children).toEqual([
      { path: 'a.txt', member: 'a.txt' },
      { path: 'sub/b.bin', member: 'sub/b.bin' },
    ]);
    expect(fs.readFileSync(path.join(dir, 'two-report.1.children', 'sub', 'b.bin'))).toEqual(eicar());
  });

  it('ends a zip bomb as a finding and unpacks nothing', async () => {
    write('zeros', Buffer.alloc(12 << 20));
    const bomb = path.join(dir, 'bomb.zip');
    execFileSync('7z', ['a', '-tzip', '-mx=9', '-bd', bomb, path.join(dir, 'zeros')], { stdio: 'ignore' });
    expect(fs.statSync(bomb).size).toBeLessThan(100_000);
    const report = await createArchiveApp({ ARCHIVE_MAX_MEMBER_MB: '1' }).analyse(bomb, 'application/zip', path.join(dir, 'bomb-report.1.json'));
    expect(report.verdict).toBe('suspicious');
    expect(report.findings.map((f) => f.rule)).toEqual(['archive.bomb.member-size', 'archive.bomb.ratio']);
    expect(fs.existsSync(path.join(dir, 'bomb-report.1.children'))).toBe(false);
    const many = zipOf(Array.from({ length: 12 }, (_, i): [string, string] => [`m${i}`, 'x']));
    expect((await createArchiveApp({ ARCHIVE_MAX_MEMBERS: '10' }).analyse(write('many.zip', many), '')).findings[0]!.rule).toBe('archive.bomb.members');
  });

  it('refuses member paths that climb out, and reads 7z listings', () => {
    const members = parseListing('Path = ../../etc/cron.d/x\nFolder = -\nSize = 10\nEncrypted = -\n\nPath = d\nFolder = +\nSize = 0\n');
    expect(members).toEqual([
      { path: '../../etc/cron.d/x', size: 10, folder: false, encrypted: false },
      { path: 'd', size: 0, folder: true, encrypted: false },
    ]);
    expect(limitFindings(members, 100, { members: 10, memberBytes: 100, totalBytes: 100, ratio: 10 }).map((f) => f.rule)).toEqual(['archive.path-traversal']);
  });

  it('takes only the embedded parts of a zip-based document as children, and every member of a plain zip', async () => {
    const parts: Array<[string, string]> = [['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>'], ['word/media/image1.png', 'png'], ['word/embeddings/oleObject1.bin', 'ole'], ['word/vbaProject.bin', 'vba']];
    const docx = await createArchiveApp({}).analyse(write('doc.docx', zipOf(parts)), '', path.join(dir, 'doc-report.1.json'));
    expect((docx.details.children as Array<{ member: string }>).map((c) => c.member).sort()).toEqual(['word/embeddings/oleObject1.bin', 'word/vbaProject.bin']);
    const plain = await createArchiveApp({}).analyse(write('plain.zip', zipOf([['notes.xml', '<x/>'], ['a.png', 'png']])), '', path.join(dir, 'plain-report.1.json'));
    expect((plain.details.children as Array<{ member: string }>).map((c) => c.member).sort()).toEqual(['a.png', 'notes.xml']);
  });
});
