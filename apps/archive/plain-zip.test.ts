import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../source/demo/samples.ts';
import { parseListing } from './listing.ts';
import { plainZip, unpackPlainZip } from './plain-zip.ts';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-plain-zip-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** 7z's listing, in the fields the archive analyzer uses. */
function sevenZipListing(file: string) {
  return parseListing(execFileSync('7z', ['l', '-slt', '-ba', '-p', '--', file], { encoding: 'utf8' })).map(({ path: p, size, folder, encrypted }) => ({ path: p, size, folder, encrypted }));
}

/** The files 7z unpacks, relative path → content. */
function sevenZipFiles(file: string): Map<string, string> {
  const out = fs.mkdtempSync(path.join(scratch, '7z-'));
  execFileSync('7z', ['x', '-y', '-bd', '-snl', `-o${out}`, '--', file], { stdio: 'ignore' });
  return filesUnder(out);
}

function filesUnder(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) files.set(path.relative(dir, path.join(entry.parentPath, entry.name)), fs.readFileSync(path.join(entry.parentPath, entry.name), 'latin1'));
  }
  return files;
}

describe('plain zips in process', () => {
  it('lists and unpacks what 7z lists and unpacks, for a zip made by zip(1) with folders, stored and deflated members', () => {
    const tree = fs.mkdtempSync(path.join(scratch, 'tree-'));
    fs.mkdirSync(path.join(tree, 'docs/deep'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'readme.txt'), 'hello '.repeat(500));
    fs.writeFileSync(path.join(tree, 'docs/deep/setup.exe'), Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]));
    fs.writeFileSync(path.join(tree, 'docs/empty.dat'), '');
    const file = path.join(scratch, 'made-by-zip.zip');
    execFileSync('zip', ['-q', '-r', file, '.'], { cwd: tree });
    const bytes = fs.readFileSync(file);
    const members = plainZip(bytes);
    expect(members?.map(({ path: p, size, folder, encrypted }) => ({ path: p, size, folder, encrypted }))).toEqual(sevenZipListing(file));
    const folder = path.join(scratch, 'made-by-zip.children');
    expect(unpackPlainZip(bytes, members!, folder, () => true)?.sort()).toEqual([...sevenZipFiles(file).keys()].sort());
    expect(filesUnder(folder)).toEqual(sevenZipFiles(file));
  });

  it('writes only the members asked for', () => {
    const bytes = zipOf([['word/document.xml', '<w/>'], ['word/embeddings/oleObject1.bin', 'ole']], { deflate: true });
    const folder = path.join(scratch, 'asked.children');
    expect(unpackPlainZip(bytes, plainZip(bytes)!, folder, (name) => name.endsWith('.bin'))).toEqual(['word/embeddings/oleObject1.bin']);
    expect([...filesUnder(folder).keys()]).toEqual(['word/embeddings/oleObject1.bin']);
  });

  it.each([
    ['a name that climbs out', zipOf([['../evil.sh', 'x']])],
    ['an absolute name', zipOf([['/etc/evil', 'x']])],
    ['a backslash in a name', zipOf([['dir\\evil.exe', 'x']])],
    ['a name that is not ASCII', zipOf([['r\u00e9sum\u00e9.exe', 'x']])],
    ['two members of one name', zipOf([['a.txt', 'x'], ['a.txt', 'y']])],
    ['a member under a file', zipOf([['a', 'x'], ['a/b', 'y']])],
    ['a path deeper than any real one', zipOf([[`${'a/'.repeat(30_000)}x`, 'x']])],
    ['bytes before the archive', Buffer.concat([Buffer.from('MZ padding'), zipOf([['a.txt', 'x']])])],
    ['bytes after the directory', Buffer.concat([zipOf([['a.txt', 'x']]), Buffer.from('trailer')])],
  ])('leaves %s to 7z', (_, bytes) => {
    expect(plainZip(bytes)).toBeUndefined();
  });

  it('leaves encrypted members and links to 7z', () => {
    const tree = fs.mkdtempSync(path.join(scratch, 'tree-'));
    fs.writeFileSync(path.join(tree, 'secret.txt'), 'secret');
    fs.symlinkSync('/etc/passwd', path.join(tree, 'link'));
    const encrypted = path.join(scratch, 'encrypted.zip');
    execFileSync('zip', ['-q', '-P', 'infected', encrypted, 'secret.txt'], { cwd: tree });
    const linked = path.join(scratch, 'linked.zip');
    execFileSync('zip', ['-q', '--symlinks', linked, 'link', 'secret.txt'], { cwd: tree });
    expect(plainZip(fs.readFileSync(encrypted))).toBeUndefined();
    expect(plainZip(fs.readFileSync(linked))).toBeUndefined();
  });

  it('gives a member that fails its CRC or lies about its size back to 7z, with nothing left behind', () => {
    for (const [what, offset] of [['CRC', 16], ['size', 24]] as const) {
      const bytes = zipOf([['first.txt', 'fine'], ['second.txt', 'the member that lies']], { deflate: true });
      const members = plainZip(bytes)!;
      // The last member's entry in the central directory, whose word the unpacking checks: one bit off.
      const central = bytes.lastIndexOf(Buffer.from('PK\x01\x02', 'latin1'));
      bytes.writeUInt8(bytes.readUInt8(central + offset) ^ 1, central + offset);
      const lying = plainZip(bytes)!;
      expect(lying.map((m) => m.path)).toEqual(members.map((m) => m.path));
      const folder = path.join(scratch, `${what}.children`);
      expect(unpackPlainZip(bytes, lying, folder, () => true), what).toBeUndefined();
      expect(fs.existsSync(folder), what).toBe(false);
    }
  });
});
