import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { zipOf } from '../../source/demo/samples.ts';
import { buildPe } from '../pe/fixture.ts';
import { elfDynamicKind, magicMimeOf, realMimeOf } from './libmagic.ts';
import { loadSample } from './sample.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broapt-realmime-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * What `file --mime-type -` says of these bytes: the answer realMimeOf must give.
 * They come on stdin from a file, which `file` reads whole (from Node's pipe, a
 * socket, it takes only what one read returns), and it names the bytes, not the
 * inode (an empty path is inode/x-empty, empty bytes application/x-empty).
 */
function fileCommandMime(name: string, bytes: Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  try {
    return execFileSync('file', ['--brief', '--mime-type', '-'], { encoding: 'utf8', stdio: [fd, 'pipe', 'pipe'] }).trim();
  } finally {
    fs.closeSync(fd);
  }
}

const inProcess: Record<string, Buffer> = {
  pe: buildPe(),
  pdf: Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n'),
  png: Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001080600000000000000', 'hex'),
  zip: zipOf([['readme.txt', 'meeting at noon\n']]),
  gzip: gzipSync('meeting at noon\n'.repeat(64)),
  text: Buffer.from('Meeting notes\nBring the slides and the budget.\n'),
  shell: Buffer.from('#!/bin/sh\nset -e\necho "backup done"\n'),
  empty: Buffer.alloc(0),
};

describe('realMimeOf', () => {
  it.each(Object.entries(inProcess))('names %s as the file command does, in process', async (name, bytes) => {
    const expected = fileCommandMime(name, bytes);
    expect(magicMimeOf(bytes)).toBe(expected);
    expect(await realMimeOf(bytes)).toBe(expected);
  });

  it('tells a PIE executable from a shared library as the file command does, which libmagic on a buffer cannot', async () => {
    for (const program of ['/usr/bin/env', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libmagic.so.1']) {
      const head = fs.readFileSync(program).subarray(0, 1 << 20);
      expect(magicMimeOf(head), program).toBe('application/x-sharedlib');
      expect(elfDynamicKind(head), program).toBe(fileCommandMime(path.basename(program), head));
      expect(await realMimeOf(head), program).toBe(fileCommandMime(path.basename(program), head));
    }
    expect(fileCommandMime('env', fs.readFileSync('/usr/bin/env').subarray(0, 1 << 20))).toBe('application/x-pie-executable');
  });

  it('leaves an ELF shared object whose program headers do not read plainly to the file command', () => {
    const head = Buffer.from(fs.readFileSync('/usr/bin/env').subarray(0, 4096));
    head.writeUInt16LE(40, 54); // e_phentsize
    expect(elfDynamicKind(head)).toBeUndefined();
    // One dynamic segment over the whole head, named by every program header: the entry budget ends the walk.
    const hostile = Buffer.alloc(1 << 20);
    fs.readFileSync('/usr/bin/env').copy(hostile, 0, 0, 64);
    hostile.writeBigUInt64LE(64n, 32);
    hostile.writeUInt16LE(4096, 56);
    for (let i = 0; i < 4096; i++) {
      const at = 64 + i * 56;
      hostile.writeUInt32LE(2, at);
      hostile.writeBigUInt64LE(0n, at + 8);
      hostile.writeBigUInt64LE(BigInt(1 << 20), at + 32);
    }
    expect(elfDynamicKind(hostile)).toBeUndefined();
  });
});

describe('loadSample', () => {
  const digests = (bytes: Buffer) => Object.fromEntries(['md5', 'sha1', 'sha256'].map((name) => [name, createHash(name).update(bytes).digest('hex')]));

  it.each([
    ['a file within the head', 5_000, 64 << 20],
    ['a file past the head by more than one read', (3 << 20) + 17, 1 << 20],
    ['an empty file', 0, 1 << 20],
  ])('keeps the head and hashes the whole of %s', async (_, length, maxBytes) => {
    const content = Buffer.from(Array.from({ length }, (_, i) => (i * 7919) & 0xff));
    const file = path.join(dir, `sample-${length}`);
    fs.writeFileSync(file, content);
    const sample = await loadSample(file, { maxBytes });
    expect(sample.size).toBe(length);
    expect(sample.truncated).toBe(length > maxBytes);
    expect(Buffer.from(sample.bytes).equals(content.subarray(0, maxBytes))).toBe(true);
    expect(sample.hashes).toEqual(digests(content));
  });
});
