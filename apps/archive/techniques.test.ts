import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../source/demo/samples.ts';
import { requireCorpus } from '../../test/helpers/fixtures.ts';
import { analyzerApp } from '../lib/run-app.ts';
import { createArchiveAnalyzer } from './archive.ts';
import { zipDeclaredMembers } from './declared.ts';
import { lyingGzip, manyEntryZip, zipWithGarbageMember } from './fixture.ts';
import { classStrings } from './jar.ts';
import { rar4Members } from './rar.ts';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-archive-tech-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let runs = 0;
/** The archive app's rules on these bytes, with a children folder so it unpacks. */
async function rules(bytes: Buffer, name = 'sample.zip'): Promise<string[]> {
  const file = path.join(dir, `${runs++}-${name}`);
  fs.writeFileSync(file, bytes);
  const report = await analyzerApp(createArchiveAnalyzer({})).analyse(file, 'application/zip', `${file}.report.json`);
  return report.findings.map((f) => f.rule);
}

const MZ = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 0x41)]);

/** A class file holding only a constant pool of these UTF-8 strings and a long (two slots). */
function classFile(strings: string[]): Buffer {
  const pool = [Buffer.from([5, 0, 0, 0, 0, 0, 0, 0, 1]), ...strings.map((s) => Buffer.concat([Buffer.from([1, Buffer.byteLength(s) >> 8, Buffer.byteLength(s) & 255]), Buffer.from(s)]))];
  const head = Buffer.alloc(10);
  head.writeUInt32BE(0xcafebabe, 0);
  head.writeUInt16BE(52, 6);
  head.writeUInt16BE(strings.length + 3, 8);
  return Buffer.concat([head, ...pool, Buffer.alloc(8)]);
}

/** A RAR 4 archive of one stored file, header CRCs left zero as crafted archives leave them. */
function rar4(name: string): Buffer {
  const block = Buffer.alloc(32);
  block[2] = 0x74;
  block.writeUInt16LE(32 + name.length, 5);
  block.writeUInt32LE(1, 7);
  block.writeUInt32LE(1, 11);
  block.writeUInt16LE(name.length, 26);
  return Buffer.concat([Buffer.from('Rar!\x1a\x07\x00', 'latin1'), Buffer.from([0, 0, 0x73, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0]), block, Buffer.from(name), Buffer.from('x')]);
}

describe('member names', () => {
  it('flags a lone program, a program named like a document, padding and a right-to-left override', async () => {
    expect(await rules(zipOf([['invoice.pdf.exe', MZ]]))).toEqual(['archive.lone-executable', 'archive.double-extension']);
    expect(await rules(zipOf([['readme.txt', 'hi'], ['Scan 2020 05 12         .scr', MZ]]))).toEqual(['archive.extension-padding']);
    expect(await rules(zipOf([['readme.txt', 'hi'], ['photo\u202egpj.exe', MZ]]))).toEqual(['archive.bidi-override']);
  });

  it('flags a program beside a DLL that programs load from their own folder', async () => {
    expect(await rules(zipOf([['Setup/Install.exe', MZ], ['Setup/version.dll', MZ]]))).toEqual(['archive.dll-sideload']);
    expect(await rules(zipOf([['app/app.exe', MZ], ['app/libfoo.dll', MZ], ['app/readme.txt', 'hi']]))).toEqual([]);
  });

  it('flags a password over a script, not over documents', async () => {
    const make = (name: string, member: string) => {
      const src = path.join(dir, member);
      fs.writeFileSync(src, 'content');
      const out = path.join(dir, name);
      execFileSync('7z', ['a', '-tzip', '-pinfected', '-bd', out, src], { stdio: 'ignore' });
      return fs.readFileSync(out);
    };
    expect(await rules(make('js.zip', 'payment.js'))).toEqual(['archive.encrypted', 'archive.encrypted-executable', 'archive.lone-executable']);
    expect(await rules(make('doc.zip', 'minutes.docx'))).toEqual(['archive.encrypted']);
  });
});

describe('broken archives', () => {
  it('keeps the members that unpack whole when one fails its CRC', async () => {
    const zip = zipOf([['a.txt', 'alpha'], ['b.txt', 'bravo']]);
    // b.txt's CRC, in its local header and in the central directory.
    for (const at of [zip.indexOf('PK\x03\x04', 10, 'latin1') + 14, zip.lastIndexOf('PK\x01\x02', undefined, 'latin1') + 16]) zip.writeUInt32LE(0xdeadbeef, at);
    const file = path.join(dir, 'crc.zip');
    fs.writeFileSync(file, zip);
    const report = await analyzerApp(createArchiveAnalyzer({})).analyse(file, 'application/zip', path.join(dir, 'crc.report.json'));
    expect(report.findings.map((f) => f.rule)).toEqual(['archive.unpack-partial']);
    expect(report.details.children).toEqual([{ path: 'a.txt', member: 'a.txt' }]);
  });

  it('keeps the members beside one whose data is not deflate, and calls an archive nothing unpacks from suspicious', async () => {
    const zip = zipWithGarbageMember([['a.txt', 'alpha'], ['broken.bin', Buffer.alloc(400, 0x5a)], ['c.txt', 'charlie']], 'broken.bin');
    const file = path.join(dir, 'garbage.zip');
    fs.writeFileSync(file, zip);
    const report = await analyzerApp(createArchiveAnalyzer({})).analyse(file, 'application/zip', path.join(dir, 'garbage.report.json'));
    expect(report.findings.map((f) => f.rule)).toEqual(['archive.unpack-partial']);
    expect((report.details.children as Array<{ member: string }>).map((c) => c.member)).toEqual(['a.txt', 'c.txt']);
    const only = zipWithGarbageMember([['broken.bin', Buffer.alloc(400, 0x5a)]], 'broken.bin');
    const lone = path.join(dir, 'garbage-only.zip');
    fs.writeFileSync(lone, only);
    const failed = await analyzerApp(createArchiveAnalyzer({})).analyse(lone, 'application/zip', path.join(dir, 'garbage-only.report.json'));
    expect(failed).toMatchObject({ verdict: 'suspicious', findings: [{ rule: 'archive.unpack-failed', severity: 'medium' }] });
  });

  it('calls a gzip whose trailer declares less than it inflates to a lie, and one past the member limit a bomb', async () => {
    const found = async (gz: Buffer, env: NodeJS.ProcessEnv) => {
      const file = path.join(dir, `${runs++}-liar.gz`);
      fs.writeFileSync(file, gz);
      const report = await analyzerApp(createArchiveAnalyzer(env)).analyse(file, 'application/gzip', `${file}.report.json`);
      expect(report.details.children).toEqual([]);
      return report;
    };
    const lie = await found(lyingGzip(5 << 20, 1000), {});
    expect(lie.verdict).toBe('suspicious');
    expect(lie.findings.find((f) => f.rule === 'archive.size-mismatch')?.description).toMatch(/declares 1000 bytes and unpacks to 5242880/);
    const bomb = await found(lyingGzip(3 << 20, 1000), { ARCHIVE_MAX_MEMBER_MB: '1' });
    expect(bomb.findings.find((f) => f.rule === 'archive.bomb.member-size')).toMatchObject({ severity: 'medium', description: expect.stringMatching(/declares 1000 bytes and grew past the 1048576-byte member limit/) });
    // An honest gzip stays clean and unpacks.
    const honest = path.join(dir, 'honest.gz');
    fs.writeFileSync(honest, zlib.gzipSync(Buffer.alloc(5 << 20)));
    const clean = await analyzerApp(createArchiveAnalyzer({})).analyse(honest, 'application/gzip', path.join(dir, 'honest.report.json'));
    expect(clean).toMatchObject({ verdict: 'clean', details: { children: [{ path: 'honest' }] } });
  });

  it('reads the names of a RAR 7z refuses, so a traversal shows', async () => {
    expect(rar4Members(rar4('x/../../etc/cron.d/job')).map((m) => m.path)).toEqual(['x/../../etc/cron.d/job']);
    expect(await rules(rar4('x/../../etc/cron.d/job'), 'crafted.rar')).toEqual(['archive.path-traversal']);
    expect(await rules(Buffer.concat([Buffer.from('Rar!\x1a\x07\x00', 'latin1'), Buffer.alloc(64, 0xff)]), 'junk.rar')).toEqual(['archive.unreadable']);
  });

  it('reads the member count a zip declares', () => {
    expect(zipDeclaredMembers(zipOf([['a', '1'], ['b', '2'], ['c', '3']]))).toBe(3);
    expect(zipDeclaredMembers(Buffer.from('no zip here'))).toBeUndefined();
    // Past 65,535 the count is in the zip64 end record: the classic one says 0xffff.
    expect(zipDeclaredMembers(manyEntryZip(70_000))).toBe(70_000);
  });
});

describe('jars', () => {
  const manifest = (main: string) => `Manifest-Version: 1.0\r\nMain-Class: ${main}\r\n`;
  const loader = ['javax/crypto/Cipher', 'java/lang/ClassLoader', 'defineClass', 'getResourceAsStream'];

  it('reads a class file constant pool past a two-slot long', () => {
    expect(classStrings(classFile(['java/lang/Runtime', 'exec']))).toEqual(['java/lang/Runtime', 'exec']);
    expect(classStrings(Buffer.from('not a class'))).toEqual([]);
  });

  it('flags a runnable jar with look-alike class names that decrypts and defines classes', async () => {
    const jar = zipOf([['META-INF/MANIFEST.MF', manifest('a.IlIl')], ['a/IlIl.class', classFile(loader)], ['a/lIlI.class', classFile(['java/lang/Object'])], ['a/IIll.class', classFile(['java/lang/String'])], ['a/data.bin', 'opaque']]);
    expect(await rules(jar, 'x.jar')).toEqual(['archive.jar.score']);
  });

  it('leaves a plainly named jar using reflection clean', async () => {
    const jar = zipOf([['META-INF/MANIFEST.MF', manifest('org.example.Main')], ['org/example/Main.class', classFile(['java/lang/reflect/Method', 'invoke'])], ['org/example/Util.class', classFile(['java/lang/String'])]]);
    const found = await rules(jar, 'ok.jar');
    expect(found.filter((rule) => rule !== 'archive.jar.traits')).toEqual([]);
  });
});

describe('benign corpus archives', () => {
  it('stay clean: rar, 7z, arj, zip, epub, xpi, encrypted and linked', async (context) => {
    const BENIGN = path.join(requireCorpus(context), 'benign', 'archive');
    const names = fs.readdirSync(BENIGN);
    expect(names.length).toBeGreaterThan(10);
    const flagged: string[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      fs.copyFileSync(path.join(BENIGN, name), file);
      const report = await analyzerApp(createArchiveAnalyzer({})).analyse(file, '', `${file}.report.json`);
      if (report.verdict !== 'clean') flagged.push(`${name}: ${report.findings.map((f) => f.rule).join(' ')}`);
    }
    expect(flagged).toEqual([]);
  }, 60_000);
});
